import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// The citizens' mailbox pages. Every form is a plain HTML form that works
/// without JavaScript; a rejected form comes back with the reader's values
/// and the reason by each field.
struct MailboxPublicPages {
    typealias Context = AppRequestContext
    let actions: MailboxPublicActions
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

    struct SubmitForm: Decodable {
        var type: String?
        var subject: String?
        var body: String?
        var authorName: String?
        var phone: String?
        var email: String?
        var mayPublish: String?
        var idempotencyKey: String?
    }

    @Sendable func newPage(_ request: Request, context: Context) async throws -> Response {
        let type = request.uri.queryParameters.get("type").flatMap { LetterType(rawValue: String($0)) }
        return try await renderForm(request: request, context: context, form: SubmitForm(type: type?.rawValue))
    }

    /// The letter form as sent: a multipart form with files (the page's
    /// form), or a plain urlencoded one (an older page, a script).
    private func readSubmission(_ request: Request, context: Context) async throws -> (SubmitForm, MultipartUpload?) {
        guard MultipartUpload.isMultipart(request) else {
            return (try await request.decodeForm(SubmitForm.self, context: context), nil)
        }
        let upload = try await MultipartUpload.read(request, into: actions.attachments.files)
        let form = SubmitForm(
            type: upload.field("type"), subject: upload.field("subject"), body: upload.field("body"),
            authorName: upload.field("authorName"), phone: upload.field("phone"), email: upload.field("email"),
            mayPublish: upload.field("mayPublish"), idempotencyKey: upload.field("idempotencyKey"))
        return (form, upload)
    }

    @Sendable func submitForm(_ request: Request, context: Context) async throws -> Response {
        let form: SubmitForm
        let upload: MultipartUpload?
        do {
            (form, upload) = try await readSubmission(request, context: context)
        } catch let problem as Problem where [413, 422].contains(problem.statusCode) {
            // The files were refused while they arrived (too large, too
            // many): what was typed is lost with the rest of the body.
            return try await renderForm(request: request, context: context, form: SubmitForm(), problem: problem, hadFiles: true)
        }
        let language = pages.language(for: request)
        let receipt: MailboxPublicActions.Receipt
        let hadFiles = !(upload?.files.isEmpty ?? true)
        do {
            receipt = try await actions.submit(
                .init(
                    type: form.type, subject: form.subject, body: form.body, authorName: form.authorName, phone: form.phone,
                    email: form.email, mayPublish: Self.isChecked(form.mayPublish), idempotencyKey: form.idempotencyKey),
                upload: upload, clientAddress: context.clientAddress)
        } catch let problem as Problem where problem.statusCode == 422 || problem.statusCode == 429 {
            return try await renderForm(request: request, context: context, form: form, problem: problem, hadFiles: hadFiles)
        } catch let problem as Problem where problem.type == Problem.Kind.idempotencyKeyReused.typeURI {
            // The form was sent before with other content (back, edit,
            // resend): show it again with a fresh key to send it as new.
            var fresh = form
            fresh.idempotencyKey = nil
            return try await renderForm(request: request, context: context, form: fresh, problem: problem, hadFiles: hadFiles)
        } catch let error as StoreError {
            guard case .invalid(let failure) = error else { throw error }
            return try await renderForm(
                request: request, context: context, form: form, problem: .validation(failure), hadFiles: hadFiles)
        }
        let letter = receipt.letter
        let data: [String: Any] = [
            "created": receipt.created,
            "number": letter.number,
            "password": receipt.password ?? "",
            "typeName": MailboxPublicViews.typeName(letter.type, language: language, pages: pages),
            "receivedOn": letter.receivedOn.description,
            "workingDays": letter.policyDays,
            "periodText": MailboxPublicViews.period(letter.policyDays, language: language, pages: pages),
            "dueOn": letter.dueOn?.description ?? "",
            "provisional": letter.dueProvisional,
            "deadlineURL": "/letters/deadline?from=\(letter.receivedOn)&days=\(letter.policyDays)",
        ]
        return try pages.render(
            "letters-receipt", titleKey: receipt.created ? "letters.receipt.title" : "letters.receipt.repeatTitle", data: data,
            status: receipt.created ? .created : .ok, request: request, context: context)
    }

    /// An HTML checkbox sends its value (`on` unless set) only when ticked.
    static func isChecked(_ value: String?) -> Bool {
        guard let value = value?.lowercased() else { return false }
        return ["on", "1", "true", "yes"].contains(value)
    }

    private func renderForm(
        request: Request, context: Context, form: SubmitForm, problem: Problem? = nil, hadFiles: Bool = false
    ) async throws -> Response {
        let language = pages.language(for: request)
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
        var data: [String: Any] = [
            "types": LetterType.allCases.map { type -> [String: Any] in
                [
                    "value": type.rawValue, "selected": type == selected,
                    "label": MailboxPublicViews.format(
                        "letters.form.typeOption",
                        [
                            "name": MailboxPublicViews.typeName(type, language: language, pages: pages),
                            "n": String(periods[type] ?? type.defaultWorkingDays),
                        ],
                        language: language, pages: pages),
                ]
            },
            "form": [
                "subject": form.subject ?? "", "body": form.body ?? "", "authorName": form.authorName ?? "",
                "phone": form.phone ?? "", "email": form.email ?? "", "mayPublish": Self.isChecked(form.mayPublish),
                "idempotencyKey": key,
            ] as [String: Any],
            "maxFiles": AttachmentRules.maxCitizenFiles,
            "maxFileMB": AttachmentRules.maxFileBytes / (1024 * 1024),
            "identityProofRequired": actions.attachments.requireIdentityProof,
            // A browser never fills a file input again: say so.
            "chooseFilesAgain": hadFiles && problem != nil,
            "subjectMax": LetterRules.subjectMaxLength,
            "bodyMax": LetterRules.bodyMaxLength,
            "nameMax": LetterRules.nameMaxLength,
            "contactMax": LetterRules.contactMaxLength,
        ]
        if let problem {
            if problem.statusCode == 429 {
                data["error"] = pages.translate("letters.form.tooMany", language: language)
            } else if problem.statusCode == 409 {
                data["error"] = pages.translate("letters.form.keyReused", language: language)
            } else {
                let messages = MailboxPublicViews.fieldMessages(problem.errors ?? [], language: language, pages: pages)
                data["fieldErrors"] = messages.byField
                data["errors"] = messages.all
                data["hasErrors"] = !messages.all.isEmpty
                data["error"] = pages.translate("letters.form.fix", language: language)
            }
        }
        var response = try pages.render(
            "letters-new", titleKey: "letters.form.title", data: data, status: problem?.status ?? .ok, request: request, context: context)
        if let problem { response.headers.append(contentsOf: problem.headers) }
        return response
    }

    // MARK: Looking a letter up

    struct QueryForm: Decodable {
        var number: String?
        var password: String?
        var rating: String?
        var text: String?
    }

    @Sendable func queryPage(_ request: Request, context: Context) async throws -> Response {
        let number = request.uri.queryParameters.get("number").map { MailboxPublicActions.normalizedNumber(String($0)) } ?? ""
        return try pages.render(
            "letters-query", titleKey: "letters.query.title", data: ["number": number], request: request, context: context)
    }

    @Sendable func queryForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(QueryForm.self, context: context)
        let letter: LetterView
        switch try await open(form, request: request, context: context) {
        case .letter(let opened): letter = opened
        case .refused(let response): return response
        }
        return try await renderLetter(letter, password: form.password ?? "", request: request, context: context)
    }

    @Sendable func rateForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(QueryForm.self, context: context)
        let letter: LetterView
        switch try await open(form, request: request, context: context) {
        case .letter(let opened): letter = opened
        case .refused(let response): return response
        }
        let language = pages.language(for: request)
        guard let rating = form.rating.flatMap(ReplyRating.init(rawValue:)) else {
            return try await renderLetter(
                letter, password: form.password ?? "", request: request, context: context,
                error: pages.translate("letters.errors.rating.required", language: language), status: .unprocessableContent)
        }
        do {
            let rated = try await database.mailbox.rateLetter(number: letter.number, rating: rating, at: actions.clock.now())
            let notice = rated.canFollowUp ? "letters.letter.ratedUnsatisfied" : "letters.letter.rated"
            return try await renderLetter(
                rated, password: form.password ?? "", request: request, context: context,
                notice: pages.translate(notice, language: language))
        } catch let error as StoreError {
            guard case .conflict = error else { throw error }
            return try await renderLetter(
                letter, password: form.password ?? "", request: request, context: context,
                error: pages.translate("letters.letter.cannotRate", language: language), status: .conflict)
        }
    }

    @Sendable func followUpForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(QueryForm.self, context: context)
        let letter: LetterView
        switch try await open(form, request: request, context: context) {
        case .letter(let opened): letter = opened
        case .refused(let response): return response
        }
        let language = pages.language(for: request)
        do {
            let reopened = try await database.mailbox.followUp(number: letter.number, text: form.text ?? "", at: actions.clock.now())
            return try await renderLetter(
                reopened, password: form.password ?? "", request: request, context: context,
                notice: pages.translate("letters.letter.followedUp", language: language))
        } catch let error as StoreError {
            switch error {
            case .invalid(let failure):
                let messages = MailboxPublicViews.fieldMessages(failure.errors, language: language, pages: pages).all
                return try await renderLetter(
                    letter, password: form.password ?? "", request: request, context: context,
                    error: messages.joined(separator: "；"), status: .unprocessableContent, followUpText: form.text ?? "")
            case .conflict:
                return try await renderLetter(
                    letter, password: form.password ?? "", request: request, context: context,
                    error: pages.translate("letters.letter.cannotFollowUp", language: language), status: .conflict)
            default:
                throw error
            }
        }
    }

    enum Opened {
        case letter(LetterView)
        /// The query form again, with why the letter was not shown.
        case refused(Response)
    }

    /// Checks the number and password (throttled). A refusal is the query
    /// form with the reason: the same one for an unknown number and a wrong
    /// password.
    private func open(_ form: QueryForm, request: Request, context: Context) async throws -> Opened {
        do {
            return .letter(try await actions.open(number: form.number, password: form.password, clientAddress: context.clientAddress))
        } catch let problem as Problem where [401, 422, 429].contains(problem.statusCode) {
            let language = pages.language(for: request)
            let message =
                switch problem.statusCode {
                case 401: pages.translate("letters.query.wrong", language: language)
                case 429: pages.translate("letters.query.tooMany", language: language)
                default:
                    (problem.errors ?? []).map { MailboxPublicViews.fieldMessage($0, language: language, pages: pages) }
                        .joined(separator: "；")
                }
            var response = try pages.render(
                "letters-query", titleKey: "letters.query.title",
                data: ["number": MailboxPublicActions.normalizedNumber(form.number), "error": message], status: problem.status,
                request: request, context: context)
            response.headers.append(contentsOf: problem.headers)
            return .refused(response)
        }
    }

    /// The citizen's letter page: state, dates, the steps they may see,
    /// the reply, and the rating and follow-up forms when they apply. The
    /// forms carry the number and password as hidden fields (the page is
    /// never cached), and each post checks them again.
    private func renderLetter(
        _ letter: LetterView, password: String, request: Request, context: Context, notice: String? = nil, error: String? = nil,
        status: HTTPResponse.Status = .ok, followUpText: String = ""
    ) async throws -> Response {
        let language = pages.language(for: request)
        let timeline = try await actions.citizenTimeline(letter)
        // A follow-up restarts the period on its day.
        let start: CivilDate? = timeline.last { $0.clockKind == .reopened }?.clockOn ?? letter.receivedOn
        let explanation: DeadlineExplanation? =
            if let start { try await actions.explain(from: start, workingDays: letter.policyDays) } else { nil }
        var data = MailboxPublicViews.citizenLetter(
            letter, password: MailboxPublicActions.normalizedPassword(password), timeline: timeline, explanation: explanation,
            periodStart: start ?? CivilDate(actions.clock.now()), language: language, pages: pages)
        data["notice"] = notice ?? ""
        data["error"] = error ?? ""
        data["draftFollowUp"] = followUpText
        let files = try await actions.database.mailbox.letterAttachments(letterID: letter.id)
        func rows(_ files: [LetterAttachmentView]) -> [[String: Any]] {
            files.map { ["id": $0.id, "name": $0.displayName, "size": MailboxOfficeViews.fileSize($0.byteCount, language: language)] }
        }
        data["ownFiles"] = rows(files.filter { $0.role != .reply })
        data["hasOwnFiles"] = files.contains { $0.role != .reply }
        data["replyFiles"] = rows(files.filter { $0.role == .reply })
        data["hasReplyFiles"] = files.contains { $0.role == .reply }
        return try pages.render(
            "letters-letter", titleKey: "letters.letter.title", data: data, status: status, request: request, context: context)
    }

    /// One file of the citizen's own letter (theirs, or a reply document),
    /// for the number and password the letter page carries.
    @Sendable func attachmentForm(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decodeForm(AttachmentForm.self, context: context)
        let attachment = try await actions.attachment(
            number: form.number, password: form.password, id: form.attachment, clientAddress: context.clientAddress)
        return try actions.attachments.download(attachment)
    }

    struct AttachmentForm: Decodable {
        var number: String?
        var password: String?
        var attachment: String?
    }

    // MARK: Published letters

    @Sendable func listPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let parameters = request.uri.queryParameters
        let rawQuery = parameters.get("q") ?? ""
        var data: [String: Any] = ["query": rawQuery]
        do {
            let page = try await actions.published(query: rawQuery, page: parameters.get("page"))
            let letters = page.letters.map { MailboxPublicViews.summary($0, language: language, pages: pages) }
            data["letters"] = letters
            data["empty"] = letters.isEmpty
            data["isSearch"] = page.query != nil
            data["page"] = page.page
            let queryPart = page.query.map { "q=" + PageRenderer.percentEncode($0) + "&" } ?? ""
            data["previousURL"] = page.page > 1 ? "/letters?\(queryPart)page=\(page.page - 1)" : ""
            data["nextURL"] = page.hasMore ? "/letters?\(queryPart)page=\(page.page + 1)" : ""
            if let total = page.total {
                let template = pages.translate(page.moreThanTotal ? "letters.list.foundMore" : "letters.list.found", language: language)
                data["found"] = template.replacingOccurrences(of: "{n}", with: String(total))
            }
            return try pages.render("letters-list", titleKey: "letters.list.title", data: data, request: request, context: context)
        } catch let problem as Problem where problem.statusCode == 422 {
            data["error"] = (problem.errors ?? []).map { MailboxPublicViews.fieldMessage($0, language: language, pages: pages) }
                .joined(separator: "；")
            return try pages.render(
                "letters-list", titleKey: "letters.list.title", data: data, status: .unprocessableContent, request: request,
                context: context)
        } catch let error as StoreError {
            guard case .invalid(let failure) = error else { throw error }
            data["error"] = failure.errors.map { MailboxPublicViews.fieldMessage($0, language: language, pages: pages) }
                .joined(separator: "；")
            return try pages.render(
                "letters-list", titleKey: "letters.list.title", data: data, status: .unprocessableContent, request: request,
                context: context)
        }
    }

    @Sendable func publishedPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        guard let (letter, workingDays) = try await published(context) else { return try withdrawnPage(request, context: context) }
        var data = MailboxPublicViews.summary(letter, language: language, pages: pages)
        data["id"] = letter.id
        data["body"] = letter.body
        data["reply"] = letter.reply
        data["replies"] = letter.replies.map { reply -> [String: Any] in
            [
                "body": reply.body, "repliedOn": reply.repliedOn.description, "department": reply.department, "isFollowUp": reply.round > 1,
                "withdrawn": reply.withdrawn,
            ]
        }
        data["workingDays"] = workingDays
        data["deadlineURL"] = "/letters/\(letter.id)/deadline"
        return try pages.render("letters-published", titleKey: "letters.published.title", data: data, request: request, context: context)
    }

    // MARK: Deadlines

    /// The published letter, or nil for one the office withdrew: the
    /// caller shows `withdrawnPage` (410).
    private func published(_ context: Context) async throws -> (PublishedLetter, Int)? {
        do {
            return try await actions.publishedLetter(id: context.parameters.get("id"))
        } catch let problem as Problem where problem.statusCode == 410 {
            return nil
        }
    }

    /// Says the office withdrew the letter, without its text or the reason.
    private func withdrawnPage(_ request: Request, context: Context) throws -> Response {
        try pages.render("letters-withdrawn", titleKey: "withdrawals.public.title", status: .gone, request: request, context: context)
    }

    @Sendable func publishedDeadlinePage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        guard let (letter, workingDays) = try await published(context) else { return try withdrawnPage(request, context: context) }
        let received = letter.receivedOn
        var data = MailboxPublicViews.deadline(
            try await actions.explain(from: received, workingDays: workingDays), language: language, pages: pages)
        data["letterURL"] = "/letters/\(letter.id)"
        data["letterSubject"] = letter.subject
        data["typeName"] = MailboxPublicViews.typeName(letter.type, language: language, pages: pages)
        data["showTable"] = true
        return try pages.render("letters-deadline", titleKey: "letters.deadline.title", data: data, request: request, context: context)
    }

    /// `/letters/deadline?from=&days=`: any period, for the receipt and
    /// query pages (the letter itself is not public there). Without
    /// parameters, the form alone.
    @Sendable func deadlinePage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let parameters = request.uri.queryParameters
        let rawFrom = parameters.get("from")
        let rawDays = parameters.get("days")
        var form: [String: Any] = ["from": rawFrom ?? CivilDate(actions.clock.now()).description, "days": rawDays ?? ""]
        if rawFrom == nil && rawDays == nil {
            return try pages.render(
                "letters-deadline", titleKey: "letters.deadline.title", data: ["form": form, "showForm": true], request: request,
                context: context)
        }
        do {
            let (from, days) = try MailboxPublicActions.deadlineParameters(from: rawFrom, days: rawDays)
            var data = MailboxPublicViews.deadline(
                try await actions.explain(from: from, workingDays: days), language: language, pages: pages)
            data["form"] = form
            data["showForm"] = true
            data["showTable"] = true
            return try pages.render("letters-deadline", titleKey: "letters.deadline.title", data: data, request: request, context: context)
        } catch let problem as Problem where problem.statusCode == 422 {
            form["from"] = rawFrom ?? ""
            let messages = MailboxPublicViews.fieldMessages(problem.errors ?? [], language: language, pages: pages)
            return try pages.render(
                "letters-deadline", titleKey: "letters.deadline.title",
                data: ["form": form, "showForm": true, "error": messages.all.joined(separator: "；")], status: .unprocessableContent,
                request: request, context: context)
        }
    }

    // MARK: Statistics

    @Sendable func statisticsPage(_ request: Request, context: Context) async throws -> Response {
        let language = pages.language(for: request)
        let rawYear = request.uri.queryParameters.get("year")
        let year: Int
        do {
            year = try actions.statisticsYear(rawYear)
        } catch let problem as Problem {
            let message = (problem.errors ?? []).map { MailboxPublicViews.fieldMessage($0, language: language, pages: pages) }
                .joined(separator: "；")
            return try pages.render(
                "letters-statistics", titleKey: "letters.statistics.title",
                data: ["error": message, "year": rawYear ?? "", "thisYear": CivilDate(actions.clock.now()).year], status: problem.status,
                request: request, context: context)
        }
        let months = try await database.mailbox.monthlyStatistics(year: year)
        func rate(_ onTime: Int, _ replied: Int) -> String {
            replied == 0 ? "—" : String(format: "%.0f%%", Double(onTime) * 100 / Double(replied))
        }
        let rows = months.map { month -> [String: Any] in
            [
                "month": pages.translate("letters.months.\(month.month)", language: language),
                "received": month.received, "replied": month.replied, "repliedOnTime": month.repliedOnTime,
                "onTimeRate": rate(month.repliedOnTime, month.replied),
            ]
        }
        let received = months.map(\.received).reduce(0, +)
        let replied = months.map(\.replied).reduce(0, +)
        let onTime = months.map(\.repliedOnTime).reduce(0, +)
        let data: [String: Any] = [
            "year": year,
            "months": rows,
            "totals": ["received": received, "replied": replied, "repliedOnTime": onTime, "onTimeRate": rate(onTime, replied)],
            "showTable": true,
            "previousURL": year > MailboxPublicActions.yearRange.lowerBound ? "/letters/statistics?year=\(year - 1)" : "",
            "nextURL": year < MailboxPublicActions.yearRange.upperBound ? "/letters/statistics?year=\(year + 1)" : "",
            "previousYear": year - 1,
            "nextYear": year + 1,
        ]
        return try pages.render("letters-statistics", titleKey: "letters.statistics.title", data: data, request: request, context: context)
    }
}
