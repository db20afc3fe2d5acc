import WenzhengCore

// Days compared with their text in expectations (`letter.dueOn == "2026-11-23"`), and
// read where the API's days used to be text (`dueOn.flatMap(CivilDate.init)`).
func == (date: CivilDate?, text: String) -> Bool { date?.description == text }
func == (dates: [CivilDate], texts: [String]) -> Bool { dates.map(\.description) == texts }
extension CivilDate { init?(_ date: CivilDate) { self = date } }
