import WenzhengCore

// Days compared with their text in expectations: `letter.dueOn == "2026-11-23"`.
func == (date: CivilDate?, text: String) -> Bool { date?.description == text }
func == (dates: [CivilDate?], texts: [String]) -> Bool { dates.map { $0?.description } == texts }
func == (dates: [CivilDate], texts: [String]) -> Bool { dates.map(\.description) == texts }
