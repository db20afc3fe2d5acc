import Foundation
import GRDB
import Testing

/// `wenzheng serve`'s notice settings: where the SMTP password may come
/// from, the refusals, and the outbox sent by the running server.
@Suite("wenzheng serve: notices", .serialized)
struct ServeMailOptionsTests {
    /// Writes `text` to `name` with `mode`.
    static func file(_ temp: TemporaryDirectory, _ name: String, _ text: String, mode: Int) throws -> String {
        let path = temp.path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test("a password on the command line is refused, in the URL or as an option")
    func refusesAnArgvPassword() throws {
        let inURL = try CLI.run([
            "serve", "--smtp-url", "smtp://office:hunter2@mail.example.cn:587?starttls", "--mail-from", "a@example.cn",
        ])
        #expect(inURL.status != 0)
        // The message is whole on its `Error:` line (ArgumentParser adds the usage hint below it).
        let message = String(inURL.error.split(separator: "\n").first ?? "")
        #expect(message.hasPrefix("Error: --smtp-url: the URL must not contain a password"), "\(message)")
        #expect(message.contains("WENZHENG_SMTP_PASSWORD or --smtp-password-file"))
        #expect(!inURL.error.contains("hunter2"))
        let option = try CLI.run(["serve", "--smtp-password", "hunter2"])
        #expect(option.status != 0)
        #expect(option.error.contains("--smtp-password is not accepted"))
        let fromEnvironment = try CLI.run(["serve"], environment: ["WENZHENG_SMTP_URL": "smtps://office:hunter2@mail.example.cn"])
        #expect(fromEnvironment.status != 0 && fromEnvironment.error.contains("must not contain a password"))
    }

    @Test("a password file or configuration file that group or others may read is refused")
    func refusesAReadablePasswordFile() throws {
        let temp = try TemporaryDirectory()
        let open = try Self.file(temp, "password", "hunter2\n", mode: 0o644)
        let result = try CLI.run([
            "serve", "--smtp-url", "smtp://office@mail.example.cn?starttls", "--mail-from", "a@example.cn", "--smtp-password-file", open,
        ])
        #expect(result.status != 0)
        #expect(
            result.error.contains("--smtp-password-file: \(open) may be read by group or others (mode 644); run chmod 600"),
            "\(result.error)")
        let config = try Self.file(
            temp, "mail.conf", "smtp-url = smtp://office@mail.example.cn?starttls\nsmtp-password = hunter2\n", mode: 0o640)
        let fromConfig = try CLI.run(["serve", "--smtp-config", config, "--mail-from", "a@example.cn"])
        #expect(fromConfig.status != 0 && fromConfig.error.contains("--smtp-config: \(config) may be read by group or others"))
    }

    @Test(
        "bad mail settings fail at start with a message naming the option",
        arguments: [
            (["--smtp-url", "http://mail.example.cn"], [:], "--smtp-url: 'http://mail.example.cn' is not an SMTP URL"),
            (["--smtp-url", "smtp://mail.example.cn?tls"], [:], "--smtp-url: unknown parameter 'tls'"),
            (["--smtp-url", "smtp://mail.example.cn"], [:], "--mail-from is required with --smtp-url"),
            (["--smtp-url", "smtp://mail.example.cn", "--mail-from", "司法厅"], [:], "--mail-from: '司法厅' is not an e-mail address"),
            (
                ["--smtp-url", "smtp://office@mail.example.cn:587?starttls", "--mail-from", "a@example.cn"], [:],
                "--smtp-url names the user office but no password is given"
            ),
            (
                ["--smtp-url", "smtp://office@mail.example.cn", "--mail-from", "a@example.cn"], ["WENZHENG_SMTP_PASSWORD": "x"],
                "--smtp-url: signing in over plain SMTP would send the password in clear to mail.example.cn"
            ),
            (
                ["--smtp-url", "smtp://mail.example.cn", "--mail-from", "a@example.cn"], ["WENZHENG_SMTP_PASSWORD": "x"],
                "an SMTP password is given but --smtp-url names no user"
            ),
            (
                ["--smtp-url", "smtps://mail.example.cn", "--mail-from", "a@example.cn", "--smtp-ca-file", "/nonexistent/ca.pem"], [:],
                "--smtp-ca-file: cannot read /nonexistent/ca.pem"
            ),
            (
                [], ["WENZHENG_SMTP_URL": "smtp://mail.example.cn", "WENZHENG_MAIL_FROM": "a@example.cn", "WENZHENG_SMTP_TIMEOUT": "soon"],
                "--smtp-timeout: 'soon' is not a duration"
            ),
            (["--smtp-url", "ftp://x"], [:], "--smtp-url: 'ftp://x' is not an SMTP URL"),
            (["--smtp-url", "not a url at all"], [:], "--smtp-url: 'not a url at all' is not an SMTP URL"),
            (["--smtp-url", "smtp://"], [:], "--smtp-url: 'smtp://' is not an SMTP URL"),
            (["--smtp-url", "smtp://user:pass@h"], [:], "--smtp-url: the URL must not contain a password"),
            (["--base-url", "ftp://x"], [:], "--base-url must be an http or https address"),
            ([], ["WENZHENG_BASE_URL": "wenzheng.example.cn"], "--base-url must be an http or https address"),
            (["--digest-time", "25:00"], [:], "--digest-time must be a time of day like 08:30 (Beijing time) or off, not '25:00'"),
            (["--outbox-interval", "30"], [:], "--outbox-interval: '30' is not a duration"),
            (["--smtp-config", "/nonexistent/mail.conf"], [:], "--smtp-config: cannot read /nonexistent/mail.conf"),
        ] as [([String], [String: String], String)])
    func refusesBadSettings(_ arguments: [String], _ environment: [String: String], _ message: String) throws {
        let result = try CLI.run(["serve"] + arguments, environment: environment)
        #expect(result.status != 0)
        // Whole on its `Error:` line (ArgumentParser adds the usage hint below it).
        let line = String(result.error.split(separator: "\n").first ?? "")
        #expect(line.hasPrefix("Error: ") && line.contains(message), "\(result.error)")
    }

    @Test("serve --help lists the notice settings, and no password option")
    func help() throws {
        let help = try CLI.run(["serve", "--help"])
        for text in [
            "NOTICES (OUTBOX):", "--smtp-url", "--mail-from", "--smtp-password-file", "--smtp-config", "--outbox-interval", "default: 30s",
        ] {
            #expect(help.output.contains(text), "\(text)")
        }
        #expect(!help.output.contains("--smtp-password "))
    }

    @Test("a configuration file's unknown or repeated setting is refused with its line")
    func refusesABadConfigurationFile() throws {
        let temp = try TemporaryDirectory()
        let unknown = try Self.file(temp, "a.conf", "# mail\nsmtp-url = smtp://mail.example.cn\nsmtp-pasword = x\n", mode: 0o600)
        let result = try CLI.run(["serve", "--smtp-config", unknown])
        #expect(result.error.contains("--smtp-config: \(unknown) line 3: unknown setting 'smtp-pasword'"), "\(result.error)")
        let twice = try Self.file(temp, "b.conf", "smtp-url = smtp://a.example.cn\nsmtp-url = smtp://b.example.cn\n", mode: 0o600)
        #expect(try CLI.run(["serve", "--smtp-config", twice]).error.contains("line 2: 'smtp-url' is set twice"))
    }

    @Test("settings from a private password file and a configuration file reach the server, which names its mail server")
    func acceptedSettingsAreShown() throws {
        let temp = try TemporaryDirectory()
        let password = try Self.file(temp, "password", "hunter2\n", mode: 0o600)
        let config = try Self.file(
            temp, "mail.conf",
            """
            # 问政 mail settings
            smtp-url = smtp://noreply%40sft.example.cn@127.0.0.1:2525?starttls
            mail-from = "江苏省司法厅 <noreply@sft.example.cn>"
            """, mode: 0o644)
        let server = try RunningServer(
            ["serve", "--db", temp.path("db.sqlite"), "--port", "0", "--web", CLI.webRoot, "--smtp-config", config],
            environment: ["WENZHENG_SMTP_PASSWORD_FILE": password])
        defer { server.stop() }
        #expect(
            server.output.contains(
                "Notices: e-mail through smtp://noreply%40sft.example.cn@127.0.0.1:2525 (STARTTLS), from 江苏省司法厅 <noreply@sft.example.cn>"),
            "\(server.output)")
        #expect(!server.output.contains("hunter2"))
        let plain = try RunningServer(["serve", "--db", temp.path("db2.sqlite"), "--port", "0", "--web", CLI.webRoot])
        defer { plain.stop() }
        #expect(plain.output.contains("Notices: written to the log (no --smtp-url)"))
    }

    @Test("the running server sends what is due in the outbox: to the log by default, recipient masked, body left out")
    func serverSendsTheOutbox() async throws {
        let temp = try TemporaryDirectory()
        let db = try await databaseWithDueNotice(
            in: temp, kind: "open_day.cancelled", recipient: "visitor@example.cn", subject: "开放日取消", body: "张三您好：确认码 K7Q2M9 的登记已取消。",
            about: ("open_day", "7"))
        let server = try RunningServer(
            ["serve", "--db", db, "--port", "0", "--web", CLI.webRoot, "--log-level", "notice"],
            environment: ["WENZHENG_OUTBOX_INTERVAL": "100ms"])
        defer { server.stop() }
        var sent = false
        let deadline = Date().addingTimeInterval(10)
        while !sent, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let reader = try DatabaseQueue(
                path: db,
                configuration: {
                    var c = Configuration(); c.readonly = true; return c
                }())
            sent = try await reader.read { db in try Bool.fetchOne(db, sql: "SELECT sent_at IS NOT NULL FROM outbox_message") } ?? false
            try reader.close()
        }
        #expect(sent)
        server.process.terminate()
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        let log = String(decoding: server.stderr.readDataToEndOfFile(), as: UTF8.self)
        let line = try #require(log.split(separator: "\n").first { $0.contains("notice") && $0.contains("open_day.cancelled") })
        #expect(line.contains("v***@example.cn") && line.contains("open_day 7"), "\(line)")
        #expect(!log.contains("K7Q2M9") && !log.contains("visitor@"))
    }
}
