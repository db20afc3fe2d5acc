import Foundation
import WenzhengCore
import WenzhengStore

/// A standard rejection reason as a `<select>` offers it.
struct ReasonOption {
    let code: String
    let text: String

    static func all(_ reasons: [RejectionReason], language: Language) -> [ReasonOption] {
        reasons.map { ReasonOption(code: $0.code, text: $0.text(for: language)) }
    }
}

/// A choice in a filter's `<select>`.
struct FilterOption {
    let value: String
    let name: String
    let selected: Bool
}

/// One queue item's card (`moderation-card`): in the console's list, and
/// alone as the fragment a console swaps in after a live update
/// (`moderation-card-fragment` puts the view under `page`).
struct ModerationCardView: PageView {
    static let template = "moderation-card-fragment"

    struct Flag {
        let category: String
        let categoryName: String
        let term: String
        let action: String
    }

    struct Personal {
        let kindName: String
        let masked: String
    }

    struct Item {
        let id: Int64
        let version: Int
        let kindName: String
        let isQuestion: Bool
        /// The page where the text appears, when its feature names one.
        let sourceURL: String?
        let createdAt: String
        let segments: [MarkedSegment]
        let hasFlags: Bool
        let flags: [Flag]
        let hasPersonal: Bool
        let personal: [Personal]
        let maskedText: String
        let maskDiffers: Bool
        let redacted: Bool
        let held: Bool
        let pending: Bool
        let state: String
        let stateName: String
        let claimedBy: String?
        let decidedBy: String?
        let decidedAt: String?
        let reason: String?
        let reasonNote: String?
        let editedText: String?
        /// What the edit form starts from.
        let text: String
        let reasons: [ReasonOption]
    }

    let item: Item

    init(_ item: ModerationItem, rules: ModerationRules, text: PageText) {
        let language = text.language
        let flags = item.flags.map { flag in
            Flag(
                category: flag.category, categoryName: text("moderation.categories.\(flag.category)"), term: flag.term,
                action: text("moderation.actions.\(flag.action.rawValue)"))
        }
        let personal = item.personalInformation.map { Personal(kindName: text("moderation.pii.\($0.kind.rawValue)"), masked: $0.masked) }
        self.item = Item(
            id: item.id, version: item.version, kindName: text("moderation.kinds.\(item.kind.rawValue)"),
            isQuestion: item.kind == .question,
            sourceURL: item.sourceURL, createdAt: OfficeTime.minute(item.createdAt),
            segments: MarkedSegment.segments(
                item.text, flags: item.flags, personal: item.personalInformation.map { ($0.start, $0.end, $0.kind) }, text: text),
            hasFlags: !flags.isEmpty, flags: flags, hasPersonal: !personal.isEmpty, personal: personal, maskedText: item.maskedText,
            maskDiffers: item.maskedText != item.text, redacted: item.isRedacted, held: item.highestAction == "hold",
            pending: item.state == .pending, state: item.state.rawValue, stateName: text("moderation.states.\(item.state.rawValue)"),
            claimedBy: item.claimedBy, decidedBy: item.decidedBy, decidedAt: item.decidedAt.map(OfficeTime.minute),
            reason: item.reasonCode.flatMap { rules.reason(code: $0)?.text(for: language) }, reasonNote: item.reasonNote,
            editedText: item.editedText, text: item.text, reasons: ReasonOption.all(rules.rejectionReasons, language: language))
    }
}

/// The moderation console (`moderation`): the filtered queue with its
/// cards, the filters, the bulk form.
struct ModerationConsoleView: PageView {
    static let template = "moderation"

    struct KindOption {
        let value: String
        let name: String
        let selected: Bool
        let pending: Int
    }

    let showsPending: Bool
    let stateHeading: String
    let items: [ModerationCardView]
    let empty: Bool
    let states: [FilterOption]
    let kinds: [KindOption]
    let categories: [FilterOption]
    let minAgeMinutes: String?
    let pendingTotal: Int
    let reasons: [ReasonOption]
    /// The banner after a form action.
    var notice: String?
    /// Why the last form was refused.
    var error: String?

    init(
        items: [ModerationItem], filter: ModerationQueueFilter, counts: [ContentKind: Int], library: ModerationLibrary, text: PageText
    ) {
        let selectedState = filter.states.count == 1 ? filter.states[0].rawValue : (filter.states.isEmpty ? "all" : "")
        showsPending = selectedState == "pending"
        stateHeading = text("moderation.states.\(selectedState.isEmpty ? "all" : selectedState)")
        let rules = library.filter.rules
        self.items = items.map { ModerationCardView($0, rules: rules, text: text) }
        empty = items.isEmpty
        states = ["pending", "approved", "edited", "rejected", "all"].map {
            FilterOption(value: $0, name: text("moderation.states.\($0)"), selected: $0 == selectedState)
        }
        kinds = ContentKind.allCases.map { kind in
            KindOption(
                value: kind.rawValue, name: text("moderation.kinds.\(kind.rawValue)"), selected: filter.kind == kind,
                pending: counts[kind] ?? 0)
        }
        categories = (["flagged"] + library.loaded.summary.map(\.category) + ["personal_information"]).map {
            FilterOption(value: $0, name: text("moderation.categories.\($0)"), selected: filter.category == $0)
        }
        minAgeMinutes = filter.olderThan.map { String(Int($0 / 60)) }
        pendingTotal = counts.values.reduce(0, +)
        reasons = ReasonOption.all(rules.rejectionReasons, language: text.language)
    }
}

/// The admin's page of word lists (`moderation-lists`, at
/// `/admin/moderation`): what is loaded, from where, and the reload button.
struct ModerationListsView: PageView {
    static let template = "moderation-lists"

    struct List {
        let category: String
        let categoryName: String
        let terms: Int
        let action: String
        let source: String
        let licence: String
    }

    let lists: [List]
    let loadedAt: String
    let directory: String
    var notice: String?
    var error: String?

    init(_ library: ModerationLibrary, text: PageText) {
        let loaded = library.loaded
        lists = loaded.summary.map { list in
            List(
                category: list.category, categoryName: text("moderation.categories.\(list.category)"), terms: list.terms,
                action: text("moderation.actions.\(list.action.rawValue)"), source: list.source, licence: list.licence)
        }
        loadedAt = OfficeTime.minute(loaded.loadedAt)
        directory = library.directory
    }
}
