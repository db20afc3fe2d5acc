import ArgumentParser
import Foundation
import WenzhengCore
import WenzhengStore

struct DepartmentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "departments",
        abstract: "List departments and set the shared address their letter notices go to.",
        discussion: """
            A department's notices (a letter given to it, a follow-up, the daily digest of \
            letters due soon and overdue; for 办公室 also every new letter to triage) go to one \
            shared mailbox of the department. A department without one is sent nothing.

            Examples:
              wenzheng departments list
              wenzheng departments set-email "法律援助处" flyz@sft.example.gov.cn
              wenzheng departments set-email "法律援助处" --none
            """,
        subcommands: [List.self, SetEmail.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List departments and their notice addresses.",
            discussion: """
                Examples:
                  wenzheng departments list
                  wenzheng departments list --format json
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "table or json.")
        var format: OutputFormat = .table

        func run() async throws {
            let departments = try await database.open().accounts.departmentNoticeAddresses()
            switch format {
            case .json:
                try printJSON(departments)
            case .table:
                if departments.isEmpty {
                    print("no departments yet; they are created with their first account (wenzheng users add … --department NAME)")
                    return
                }
                print(renderTable(headers: ["DEPARTMENT", "NOTICE E-MAIL"], rows: departments.map { [$0.name, $0.email ?? "-"] }))
            }
        }
    }

    struct SetEmail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-email", abstract: "Set (or remove with --none) a department's notice address.",
            discussion: """
                Examples:
                  wenzheng departments set-email 办公室 bgs@sft.example.gov.cn
                  wenzheng departments set-email "法律援助处" --none
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The department's name, as in wenzheng departments list.")
        var department: String

        @Argument(help: "A shared address, such as bgs@sft.example.gov.cn.")
        var email: String?

        @Flag(help: "Remove the address: the department is sent no notices.")
        var none = false

        func validate() throws {
            switch (email, none) {
            case (nil, false): throw ValidationError("give an e-mail address, or --none to remove it")
            case (.some, true): throw ValidationError("give an e-mail address or --none, not both")
            default: break
            }
            if let email {
                do { _ = try DepartmentNoticeAddress.validated(email) } catch let error as StoreError {
                    throw ValidationError(error.description)
                }
            }
        }

        func run() async throws {
            let db = try await database.open()
            let result = try await reportingFailures {
                try await db.accounts.setDepartmentNoticeAddress(
                    department: department, email: none ? nil : email, actor: .commandLine(osUser: operatingSystemUser), at: Date())
            }
            if let address = result.email {
                print("notices for \(result.name) go to \(address)")
            } else {
                print("\(result.name) has no notice address; it is sent no notices")
            }
        }
    }
}
