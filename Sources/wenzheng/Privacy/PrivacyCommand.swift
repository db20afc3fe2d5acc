import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

/// `wenzheng privacy export|delete`: answering a person's request to see or
/// erase what the office holds about them (PIPL arts. 45 and 47;
/// docs/privacy.md).
struct PrivacyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "Export or erase what is held about one person (PIPL arts. 45, 47).",
        discussion: """
            Citizens have no accounts: a person is found by the phone number or e-mail \
            address they gave. Check the requester's identity before running either command.

            Examples:
              wenzheng privacy export --phone 13812345678 > person.json
              wenzheng privacy delete --email zhang@example.cn
              wenzheng privacy delete --email zhang@example.cn --yes
            """,
        subcommands: [Export.self, Delete.self]
    )

    /// `--phone` or `--email`, exactly one.
    struct PersonOptions: ParsableArguments {
        @Option(help: ArgumentHelp("The person's phone number, as they gave it (138 1234 5678, +86 138-1234-5678).", valueName: "number"))
        var phone: String?

        @Option(help: ArgumentHelp("The person's e-mail address (compared without regard to case).", valueName: "address"))
        var email: String?

        func validate() throws {
            switch (phone, email) {
            case (nil, nil): throw ValidationError("name the person with --phone or --email")
            case (.some, .some): throw ValidationError("give --phone or --email, not both: each request is about one identifier")
            case (.some(let phone), nil):
                guard PersonalDataRequest.phone(phone) != nil else {
                    throw ValidationError("--phone '\(phone)' is not a phone number (digits, spaces, dashes, brackets, a leading +)")
                }
            case (nil, .some(let email)):
                guard PersonalDataRequest.email(email) != nil else { throw ValidationError("--email '\(email)' is not an e-mail address") }
            }
        }

        var request: PersonalDataRequest {
            if let phone, let request = PersonalDataRequest.phone(phone) { return request }
            return PersonalDataRequest.email(email ?? "")!
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print as JSON everything held about one person.",
            discussion: """
                Letters (with their text, reply and the citizen's attachments as names and \
                hashes), open-day registrations, interview questions whose contact names the \
                phone or address, and notices sent to the address. A copy for the person \
                (art. 45): attachments' files are in the attachments folder under their hash. \
                The export is recorded in the audit log.

                Examples:
                  wenzheng privacy export --phone 13812345678 > person.json
                  wenzheng privacy export --email zhang@example.cn \\
                      --db /var/lib/wenzheng/wenzheng.sqlite
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonOptions

        func run() async throws {
            let db = try await database.open()
            let report = try await reportingFailures {
                try await db.privacy.personalData(for: person.request, at: Date())
            }
            try await reportingFailures {
                try await db.audit.recordStaffAction(
                    actor: .commandLine(osUser: operatingSystemUser), action: "privacy.export", subjectType: "person",
                    subjectID: nil,
                    after: [
                        "letters": String(report.letters.count), "registrations": String(report.registrations.count),
                        "questions": String(report.questions.count), "notices": String(report.notices.count),
                    ], at: Date())
            }
            try printJSON(report)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase what is held about one person: lists it first, erases with --yes.",
            discussion: """
                Without --yes nothing changes: the command lists what would be erased and \
                what cannot be yet. With --yes, in one transaction: closed letters keep their \
                text and reply but lose the name (replaced by （已删除）), phone, e-mail, \
                client address and the citizen's attachments (their files are deleted after); \
                registrations for open days that are over, or cancelled, are deleted with \
                their notices; interview questions lose their contact; notices to the address \
                are deleted. An open letter, or a live registration for an open day still to \
                come, is left and named: close or cancel it first. Each erasure is in the \
                audit log under cli:<your user>; the audit log itself is kept (Cybersecurity \
                Law art. 21).

                Examples:
                  wenzheng privacy delete --phone 13812345678
                  wenzheng privacy delete --phone 13812345678 --yes
                  wenzheng privacy delete --email zhang@example.cn --yes \\
                      --db /var/lib/wenzheng/wenzheng.sqlite
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var person: PersonOptions

        @Option(
            help: ArgumentHelp(
                "The attachments folder, as serve's --attachments. [env: WENZHENG_ATTACHMENTS, default: attachments/ beside the database]",
                valueName: "path"))
        var attachments: String?

        @Flag(help: "Erase; without it the command only lists.")
        var yes = false

        func run() async throws {
            let db = try await database.open()
            let request = person.request
            let report = try await reportingFailures { try await db.privacy.personalData(for: request, at: Date()) }
            print(Self.listing(report))
            guard !report.isEmpty else { return }
            guard yes else {
                print("nothing erased: run again with --yes to erase")
                return
            }
            let erasure = try await reportingFailures {
                try await db.privacy.erasePersonalData(for: request, actor: .commandLine(osUser: operatingSystemUser), at: Date())
            }
            let folder =
                (attachments ?? ProcessInfo.processInfo.environment["WENZHENG_ATTACHMENTS"].flatMap { $0.isEmpty ? nil : $0 })
                .map { URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: database.resolvedPath).standardizedFileURL.deletingLastPathComponent().appendingPathComponent(
                    "attachments")
            var unremoved: [String] = []
            if !erasure.orphanedAttachments.isEmpty {
                do {
                    let files = try AttachmentFiles(root: folder)
                    for hash in erasure.orphanedAttachments {
                        do { try files.remove(hash) } catch { unremoved.append("\(hash): \(error)") }
                    }
                } catch {
                    unremoved = erasure.orphanedAttachments.map { "\($0): \(error)" }
                }
            }
            print(
                "erased: \(erasure.lettersErased.count) letter(s), \(erasure.registrationsDeleted.count) registration(s), "
                    + "\(erasure.questionsCleared.count) question contact(s), \(erasure.noticesDeleted) notice(s), "
                    + "\(erasure.orphanedAttachments.count - unremoved.count) attachment file(s)")
            for skipped in erasure.skipped { print("left: \(skipped)") }
            if !unremoved.isEmpty {
                throw CommandFailure(
                    "the database was erased, but these attachment files in \(folder.path) could not be deleted; delete them by hand: "
                        + unremoved.joined(separator: "; "))
            }
        }

        /// What was found, one line each, for the person running the command.
        static func listing(_ report: PersonalDataReport) -> String {
            guard !report.isEmpty else { return "nothing is held for \(report.request)" }
            var lines = ["held for \(report.request):"]
            for letter in report.letters {
                let attachments = letter.attachments.isEmpty ? "" : ", \(letter.attachments.count) attachment(s)"
                let note = letter.notErasableBecause.map { " — cannot erase: \($0)" } ?? ""
                lines.append("  letter \(letter.number) (\(letter.state)) \(letter.authorName): \(letter.subject)\(attachments)\(note)")
            }
            for registration in report.registrations {
                let note = registration.notErasableBecause.map { " — cannot erase: \($0)" } ?? ""
                lines.append(
                    "  open-day registration \(registration.id) (\(registration.status)) \(registration.name) for "
                        + "\(registration.openDayTitle), \(officeTimestamp(registration.openDayStartsAt))\(note)")
            }
            for question in report.questions {
                lines.append("  interview question \(question.id) in \(question.interviewTitle): contact \(question.contact ?? "")")
            }
            for notice in report.notices {
                lines.append("  notice \(notice.id) \(notice.kind) to \(notice.recipient ?? ""): \(notice.subject)")
            }
            return lines.joined(separator: "\n")
        }
    }
}
