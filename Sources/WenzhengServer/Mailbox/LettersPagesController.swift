import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The citizens' mailbox pages. Every form is a plain HTML form that works
/// without JavaScript; a refused form comes back (`FormSubmission`) with the
/// reader's values and the reason by each field.
struct LettersPagesController {
    typealias Context = AppRequestContext
    let actions: LetterActions
    let pages: PageRenderer

    var database: AppDatabase { actions.database }

    func addRoutes(to router: Router<Context>) {
        router.get("/letters", use: listPage)
        router.get("/letters/new", use: newPage)
        router.post("/letters", use: submitForm)
        router.get("/letters/query", use: queryPage)
        router.post("/letters/query", use: queryForm)
        router.post("/letters/rate", use: rateForm)
        router.post("/letters/follow-up", use: followUpForm)
        router.post("/letters/attachment", use: attachmentForm)
        router.get("/letters/deadline", use: deadlinePage)
        router.get("/letters/statistics", use: statisticsPage)
        router.get("/letters/{id}", use: publishedPage)
        router.get("/letters/{id}/deadline", use: publishedDeadlinePage)
    }

    // MARK: Writing a letter

    /// The letter form urlencoded, read by the same names as a multipart
    /// one (`LetterActions.Submission(formField:)`).
    struct SubmitForm: Decodable {
        let submission: LetterActions.Submission

        init(from decoder: any Decoder) throws {
            let form = try decoder.container(keyedBy: FormFieldName.self)
            submission = try LetterActions.Submission { try form.decodeIfPresent(String.self, forKey: FormFieldName($0)) }
        }
    }

    @Sendable func newPage(_ request: Request, context: Context) async throws -> Response {
        let type = request.uri.queryParameters.get("type").flatMap { LetterType(rawValue: String($0)) }
        var response = try await renderForm(request: request, context: context, form: LetterActions.Submission(type: type?.rawValue))
        // The browser id that letters count against, set before the first
        // letter so that the first one counts too.
        if let cookie = actions.browser(request).cookie { response.setCookie(cookie) }
        return response
    }

    /// The letter form as sent: a multipart form with files (the page's
    /// form), or a plain urlencoded one (an older page, a script).
    private func readSubmission(_ request: Request, context: Context) async throws -> (LetterActions.Submission, MultipartUpload?) {
        guard MultipartUpload.isMultipart(request) else {
            return (try await request.decodeForm(SubmitForm.self, context: context).submission, nil)
        }
        let upload = try await MultipartUpload.read(request, into: actions.attachments.files)
        return (LetterActions.Submission(formField: upload.field), upload)
    }

    @Sendable func submitForm(_ request: Request, context: Context) async throws -> Response {
        var form = LetterActions.Submission()
        var upload: MultipartUpload?
        // Files refused while they arrive (too large, too many) lose what
        // was typed with the rest of the body.
        var read = false
        return try await FormSubmission.run(context: context) {
            (form, upload) = try await readSubmission(request, context: context)
            read = true
            let browser = actions.browser(request)
            let receipt = try await actions.submit(form, upload: upload, clientAddress: context.clientAddress, browser: browser.known)
            let text = pages.text(for: request)
            var response = try pages.render(
                LetterReceiptView(receipt, text: text), title: text(receipt.created ? "letters.receipt.title" : "letters.receipt.repeatTitle"),
                status: receipt.created ? .created : .ok, request: request, context: context)
            if let cookie = browser.cookie { response.setCookie(cookie) }
            return response
        } showFormAgain: { problem in
            var shown = form
            // The form was sent before with other content (back, edit,
            // resend): show it again with a fresh key to send it as new.
            if problem.type == Problem.Kind.idempotencyKeyReused.typeURI { shown.idempotencyKey = nil }
            let hadFiles = !read || !(upload?.files.isEmpty ?? true)
            return try await renderForm(request: request, context: context, form: shown, problem: problem, hadFiles: hadFiles)
        }
    }

    private func renderForm(
        request: Request, context: Context, form: LetterActions.Submission, problem: Problem? = nil, hadFiles: Bool = false
    ) async throws -> Response {
        let text = pages.text(for: request)
        let selected = form.type.flatMap(LetterType.init(rawValue:))
        // A fresh key for each new form; a form sent back with errors keeps
        // its key (nothing was stored under it), so a double click on the
        // corrected form is still one letter.
        let key =
            form.idempotencyKey.flatMap { key -> String? in
                let trimmed = key.trimmingCharacters(in: .whitespaces)
                return trimmed.isEmpty || trimmed.count > LetterRules.idempotencyKeyMaxLength ? nil : trimmed
            } ?? SessionToken.generate()
        // The office's default periods (a department's own applies once
        // the letter is assigned to it).
        var periods: [LetterType: Int] = [:]
        for policy in try await database.mailbox.deadlinePolicies() where policy.departmentId == nil {
            periods[policy.letterType] = policy.workingDays
        }
        let errors = problem.map { FormErrors($0, text: text, prefix: "letters") }
        let error: String? =
            switch problem?.statusCode {
            case nil: nil
            case 429: text("letters.form.tooMany")
            case 409: text("letters.form.keyReused")
            default: text("letters.form.fix")
            }
        let view = LetterFormView(
            types: LetterType.allCases.map { type in
                LetterFormView.TypeOption(
                    value: type.rawValue,
                    label: text.format(
                        "letters.form.typeOption", ["name": text.letterType(type), "n": String(periods[type] ?? type.defaultWorkingDays)]),
                    selected: type == selected)
            },
            form: LetterFormView.Fields(
                subject: form.subject ?? "", body: form.body ?? "", authorName: form.authorName ?? "", phone: form.phone ?? "",
                email: form.email ?? "", mayPublish: form.mayPublish ?? false, idempotencyKey: key),
            error: error, errors: errors, hasErrors: !(errors?.messages.isEmpty ?? true), maxFiles: AttachmentRules.maxCitizenFiles,
            maxFileMB: AttachmentRules.maxFileBytes / (1024 * 1024), identityProofRequired: actions.attachments.requireIdentityProof,
            chooseFilesAgain: hadFiles && problem != nil)
        return try pages.render(view, title: text("letters.form.title"), request: request, context: context)
    }

    // MARK: Opening a letter

    /// The fields of every form that opens a letter: the query, the rating,
    /// the follow-up, a file's download.
    struct LetterForm: Decodable {
        var number: String?
        var password: String?
        var rating: String?
        var text: String?
        var attachment: String?
    }

    @Sendable func queryPage(_ request: Request, context: Context) async throws -> Response {
        let number = request.uri.queryParameters.get("number").map { LetterActions.normalizedNumber(String($0)) } ?? ""
        let text = pages.text(for: request)
        return try pages.render(LetterQueryView(number: number, error: nil), title: text("letters.query.title"), request: request, context: context)
    }

    /// Opens the letter the form's number and password name (throttled) and
    /// answers with `body`; a refused opening (a wrong pair, a malformed
    /// number, too many tries) is the query form again with the reason, the
    /// same one for an unknown number and a wrong password. A refusal of
    /// `body`'s own action comes back through `showLetterAgain`.
    ///
    /// - Parameter otherErrors: the form's other bad fields, reported with
    ///   the credentials' own before any attempt is counted.
    private func withOpenedLetter(
        _ request: Request, context: Context, otherErrors: (LetterForm) -> [FieldError] = { _ in [] },
        _ body: (LetterForm, LetterView) async throws -> Response,
        showLetterAgain: ((LetterForm, LetterView, Problem) async throws -> Response)? = nil
    ) async throws -> Response {
        let form = try await request.decodeForm(LetterForm.self, context: context)
        var opened: LetterView?
        return try await FormSubmission.run(context: context) {
            do {
                let letter = try await actions.open(
                    number: form.number, password: form.password, clientAddress: context.clientAddress, otherErrors: otherErrors(form))
                opened = letter
                return try await body(form, letter)
            } catch let problem as Problem where problem.statusCode == 401 {
                // A wrong number or password is a reason the reader can fix.
                var response = try await showQueryAgain(form, problem: problem, request: request, context: context)
                response.status = problem.status
                return response
            }
        } showFormAgain: { problem in
            guard let opened, let showLetterAgain else {
                return try await showQueryAgain(form, problem: problem, request: request, context: context)
            }
            return try await showLetterAgain(form, opened, problem)
        }
    }

    private func showQueryAgain(_ form: LetterForm, problem: Problem, request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let message =
            switch problem.statusCode {
            case 401: text("letters.query.wrong")
            case 429: text("letters.query.tooMany")
            default: text.letterErrors(problem)
            }
        return try pages.render(
            LetterQueryView(number: LetterActions.normalizedNumber(form.number), error: message), title: text("letters.query.title"),
            request: request, context: context)
    }

    @Sendable func queryForm(_ request: Request, context: Context) async throws -> Response {
        try await withOpenedLetter(request, context: context) { form, letter in
            try await renderLetter(letter, password: form.password, request: request, context: context)
        }
    }

    @Sendable func rateForm(_ request: Request, context: Context) async throws -> Response {
        try await withOpenedLetter(request, context: context) { form, letter in
            let rated = try await actions.rate(letter, rating: form.rating)
            let text = pages.text(for: request)
            let notice = text(rated.canFollowUp ? "letters.letter.ratedUnsatisfied" : "letters.letter.rated")
            return try await renderLetter(rated, password: form.password, request: request, context: context, notice: notice)
        } showLetterAgain: { form, letter, problem in
            let text = pages.text(for: request)
            let error = problem.statusCode == 409 ? text("letters.letter.cannotRate") : text.letterErrors(problem)
            return try await renderLetter(letter, password: form.password, request: request, context: context, error: error)
        }
    }

    @Sendable func followUpForm(_ request: Request, context: Context) async throws -> Response {
        try await withOpenedLetter(request, context: context) { form, letter in
            let reopened = try await actions.followUp(letter, text: form.text)
            let text = pages.text(for: request)
            return try await renderLetter(
                reopened, password: form.password, request: request, context: context, notice: text("letters.letter.followedUp"))
        } showLetterAgain: { form, letter, problem in
            let text = pages.text(for: request)
            let error = problem.statusCode == 409 ? text("letters.letter.cannotFollowUp") : text.letterErrors(problem)
            return try await renderLetter(
                letter, password: form.password, request: request, context: context, error: error, draftFollowUp: form.text ?? "")
        }
    }

    /// One file of the citizen's own letter (theirs, or a reply document),
    /// for the number and password the letter page carries.
    @Sendable func attachmentForm(_ request: Request, context: Context) async throws -> Response {
        try await withOpenedLetter(request, context: context, otherErrors: { LetterActions.attachmentID($0.attachment).errors }) { form, letter in
            try actions.attachments.download(try await actions.attachment(of: letter, id: LetterActions.attachmentID(form.attachment).id!))
        }
    }

    /// The citizen's letter page.
    private func renderLetter(
        _ letter: LetterView, password: String?, request: Request, context: Context, notice: String? = nil, error: String? = nil,
        draftFollowUp: String = ""
    ) async throws -> Response {
        let text = pages.text(for: request)
        let timeline = try await actions.citizenTimeline(letter)
        // A follow-up restarts the period on its day.
        let start = timeline.last { $0.clockKind == .reopened }?.clockOn ?? letter.receivedOn
        let view = CitizenLetterView(
            letter, password: LetterActions.normalizedPassword(password), timeline: timeline,
            files: try await database.mailbox.letterAttachments(letterID: letter.id),
            explanation: try await actions.explain(from: start, workingDays: letter.policyDays), periodStart: start,
            today: actions.today, text: text, notice: notice, error: error, draftFollowUp: draftFollowUp)
        return try pages.render(view, title: text("letters.letter.title"), request: request, context: context)
    }

    // MARK: Published letters

    @Sendable func listPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let parameters = request.uri.queryParameters
        let query = parameters.get("q") ?? ""
        return try await FormSubmission.run(context: context) {
            let page = try await actions.published(query: query, page: parameters.get("page"), address: context.clientAddress)
            return try pages.render(
                PublishedLettersView(page, query: query, text: text), title: text("letters.list.title"), request: request, context: context)
        } showFormAgain: { problem in
            try pages.render(
                PublishedLettersView(query: query, error: text.letterErrors(problem)), title: text("letters.list.title"), request: request,
                context: context)
        }
    }

    @Sendable func publishedPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        guard let (letter, _) = try await published(context) else { return try withdrawnPage(request, context: context) }
        return try pages.render(PublishedLetterView(letter, text: text), title: text("letters.published.title"), request: request, context: context)
    }

    /// The published letter and its period, or nil for one the office
    /// withdrew: the caller shows `withdrawnPage` (410).
    private func published(_ context: Context) async throws -> (PublishedLetter, Int)? {
        do {
            return try await actions.publishedLetter(id: context.parameters.get("id"))
        } catch let problem as Problem where problem.statusCode == 410 {
            return nil
        }
    }

    /// Says the office withdrew the letter, without its text or the reason.
    private func withdrawnPage(_ request: Request, context: Context) throws -> Response {
        try pages.render(
            LetterWithdrawnView(), title: pages.text(for: request)("withdrawals.public.title"), status: .gone, request: request,
            context: context)
    }

    // MARK: Deadlines

    @Sendable func publishedDeadlinePage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        guard let (letter, workingDays) = try await published(context) else { return try withdrawnPage(request, context: context) }
        let view = LetterDeadlineView(
            letter: .init(typeName: text.letterType(letter.type), subject: letter.subject, url: "/letters/\(letter.id)"),
            count: .init(try await actions.explain(from: letter.receivedOn, workingDays: workingDays), text: text))
        return try pages.render(view, title: text("letters.deadline.title"), request: request, context: context)
    }

    /// `/letters/deadline?from=&days=`: any period, for the receipt and
    /// query pages (the letter itself is not public there). Without
    /// parameters, the form alone.
    @Sendable func deadlinePage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let parameters = request.uri.queryParameters
        let rawFrom = parameters.get("from")
        let rawDays = parameters.get("days")
        let form = LetterDeadlineView.Form(from: rawFrom ?? actions.today.description, days: rawDays ?? "")
        let title = text("letters.deadline.title")
        if rawFrom == nil && rawDays == nil {
            return try pages.render(LetterDeadlineView(form: form), title: title, request: request, context: context)
        }
        return try await FormSubmission.run(context: context) {
            let (from, days) = try LetterActions.deadlineParameters(from: rawFrom, days: rawDays)
            let count = LetterDeadlineView.Count(try await actions.explain(from: from, workingDays: days), text: text)
            return try pages.render(LetterDeadlineView(form: form, count: count), title: title, request: request, context: context)
        } showFormAgain: { problem in
            let view = LetterDeadlineView(form: .init(from: rawFrom ?? "", days: rawDays ?? ""), error: text.letterErrors(problem))
            return try pages.render(view, title: title, request: request, context: context)
        }
    }

    // MARK: Statistics

    @Sendable func statisticsPage(_ request: Request, context: Context) async throws -> Response {
        let text = pages.text(for: request)
        let rawYear = request.uri.queryParameters.get("year")
        return try await FormSubmission.run(context: context) {
            let year = try actions.statisticsYear(rawYear)
            let view = LetterStatisticsView(year: year, months: try await database.mailbox.monthlyStatistics(year: year), text: text)
            return try pages.render(view, title: text("letters.statistics.title"), request: request, context: context)
        } showFormAgain: { problem in
            try pages.render(
                LetterStatisticsView(rawYear: rawYear ?? "", error: text.letterErrors(problem)), title: text("letters.statistics.title"),
                request: request, context: context)
        }
    }
}
