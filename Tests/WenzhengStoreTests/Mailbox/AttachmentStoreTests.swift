import Foundation
import GRDB
import Testing

@testable import WenzhengCore
@testable import WenzhengStore

@Suite("Letter attachments in the store")
struct AttachmentStoreTests {
    static func attachment(_ hash: Character, role: AttachmentRole = .letter, bytes: Int = 1000) -> NewAttachment {
        NewAttachment(
            sha256: String(repeating: hash, count: 64), kind: .pdf, byteCount: bytes, displayName: "材料 \(hash).pdf", role: role)
    }

    @Test("a citizen's files are linked in the letter's own transaction, citizen's first, reply documents last", arguments: StoreBackend.underTest)
    func linkedOnSubmit(_ backend: StoreBackend) async throws {
        let mailbox = try await Mailbox(on: backend)
        var new = mailbox.newLetter(.informationDisclosure)
        new.attachments = [Self.attachment("a"), Self.attachment("b", role: .identityProof)]
        let letter = try await mailbox.db.mailbox.submitLetter(new, passwordHash: "$2b$hash", at: beijing("2026-11-18 10:00")).letter
        var files = try await mailbox.db.mailbox.letterAttachments(letterID: letter.id)
        #expect(files.map(\.role) == [.letter, .identityProof])
        #expect(files.map(\.addedBy) == [nil, nil])
        #expect(files[0].displayName == "材料 a.pdf")

        _ = try await mailbox.db.mailbox.acceptLetter(id: letter.id, actor: mailbox.office, at: beijing("2026-11-18 11:00"))
        _ = try await mailbox.db.mailbox.assignLetter(id: letter.id, lead: mailbox.cityID, actor: mailbox.office, at: beijing("2026-11-18 11:00"))
        let reply = try await mailbox.db.mailbox.addReplyDocument(
            letterID: letter.id, attachment: Self.attachment("c"), actor: mailbox.city, at: beijing("2026-11-19 09:00"))
        #expect(reply.role == .reply)
        #expect(reply.addedBy == "王城")
        files = try await mailbox.db.mailbox.letterAttachments(letterID: letter.id)
        #expect(files.map(\.role) == [.letter, .identityProof, .reply])
        // The same content on another letter is one stored file.
        var second = mailbox.newLetter(.complaint)
        second.attachments = [Self.attachment("a")]
        let other = try await mailbox.db.mailbox.submitLetter(second, passwordHash: "$2b$hash", at: beijing("2026-11-18 12:00")).letter
        let stored = try await mailbox.db.rawInt("SELECT COUNT(*) FROM attachment")
        #expect(stored == 3)
        #expect(try await mailbox.db.mailbox.letterAttachments(letterID: other.id).count == 1)
        // An attachment is only found through its own letter.
        let error = await storeError { _ = try await mailbox.db.mailbox.letterAttachment(id: reply.id, letterID: other.id) }
        #expect(error == .notFound(kind: "attachment", key: String(reply.id)))
    }

    @Test("citizens' files: count, total size, proof of identity only with a disclosure request, and when required")
    func citizenLimits() throws {
        func fields(_ attachments: [NewAttachment], _ type: LetterType, required: Bool = false) -> [String] {
            do {
                try MailboxChecks.validateCitizenAttachments(attachments, type: type, requireIdentityProof: required)
                return []
            } catch StoreError.invalid(let failure) {
                return failure.errors.map(\.field)
            } catch {
                return ["unexpected \(error)"]
            }
        }
        let five = (0..<5).map { Self.attachment(Character(String($0))) }
        #expect(fields(five, .complaint) == [])
        #expect(fields(five + [Self.attachment("f")], .complaint) == ["attachments"])
        let big = (0..<3).map { Self.attachment(Character(String($0)), bytes: 8 * 1024 * 1024) }
        #expect(fields(big, .complaint) == ["attachments"])
        #expect(fields([Self.attachment("a", role: .identityProof)], .complaint) == ["identityProof"])
        #expect(fields([], .informationDisclosure) == [])
        #expect(fields([], .informationDisclosure, required: true) == ["identityProof"])
        #expect(fields([Self.attachment("a", role: .identityProof)], .informationDisclosure, required: true) == [])
        #expect(fields([Self.attachment("a", role: .reply)], .complaint) == ["attachments"])
    }

    @Test("reply documents: only those who work on the letter, only before the reply is sent, at most ten", arguments: StoreBackend.underTest)
    func replyDocuments(_ backend: StoreBackend) async throws {
        let mailbox = try await Mailbox(on: backend)
        let letter = try await mailbox.submit(.complaint, at: "2026-11-18 10:00")
        // Not yet accepted: no reply is being prepared.
        let early = await storeError {
            _ = try await mailbox.db.mailbox.addReplyDocument(letterID: letter.id, attachment: Self.attachment("a"), actor: mailbox.admin, at: testStart)
        }
        #expect(early?.isConflict == true)
        _ = try await mailbox.db.mailbox.acceptLetter(id: letter.id, actor: mailbox.office, at: beijing("2026-11-18 11:00"))
        _ = try await mailbox.db.mailbox.assignLetter(id: letter.id, lead: mailbox.cityID, actor: mailbox.office, at: beijing("2026-11-18 11:00"))
        let otherDepartment = await storeError {
            _ = try await mailbox.db.mailbox.addReplyDocument(
                letterID: letter.id, attachment: Self.attachment("a"), actor: mailbox.education, at: testStart)
        }
        #expect(otherDepartment?.isForbidden == true)
        let moderator = await storeError {
            _ = try await mailbox.db.mailbox.addReplyDocument(
                letterID: letter.id, attachment: Self.attachment("a"), actor: mailbox.moderator, at: testStart)
        }
        #expect(moderator?.isForbidden == true)
        var added: [LetterAttachmentView] = []
        for index in 0..<10 {
            added.append(
                try await mailbox.db.mailbox.addReplyDocument(
                    letterID: letter.id, attachment: Self.attachment(Character(String(index))), actor: mailbox.city, at: testStart))
        }
        let eleventh = await storeError {
            _ = try await mailbox.db.mailbox.addReplyDocument(letterID: letter.id, attachment: Self.attachment("f"), actor: mailbox.city, at: testStart)
        }
        #expect(eleventh?.invalidFields == ["document"])
        try await mailbox.db.mailbox.removeReplyDocument(letterID: letter.id, attachmentID: added[0].id, actor: mailbox.city, at: testStart)
        #expect(try await mailbox.db.mailbox.letterAttachments(letterID: letter.id).count == 9)
        let audited = try await mailbox.db.audit.auditEntries().map(\.action)
        #expect(audited.filter { $0 == "letter.attachment.add" }.count == 10)
        #expect(audited.contains("letter.attachment.remove"))

        _ = try await mailbox.reply(letter, at: "2026-11-20 10:00")
        let afterReply = await storeError {
            _ = try await mailbox.db.mailbox.addReplyDocument(letterID: letter.id, attachment: Self.attachment("e"), actor: mailbox.city, at: testStart)
        }
        #expect(afterReply?.isConflict == true)
    }

    @Test("the file store keeps content under its hash, flushed, and never builds a path from anything else")
    func files() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wenzheng-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try AttachmentFiles(root: root)
        let upload = try store.newIncomingFile()
        try Data("%PDF-1.7 …%%EOF".utf8).write(to: upload)
        let hash = String(repeating: "ab", count: 32)
        try store.keep(upload, hash: hash)
        #expect(!FileManager.default.fileExists(atPath: upload.path))
        #expect(try store.contents(of: hash) == Data("%PDF-1.7 …%%EOF".utf8))
        #expect(store.url(for: hash)?.path.hasSuffix("ab/ab/\(hash)") == true)
        // The same content again: the second upload is just deleted.
        let again = try store.newIncomingFile()
        try store.keep(again, hash: hash)
        #expect(!FileManager.default.fileExists(atPath: again.path))
        for bad in ["../../etc/passwd", String(repeating: "A", count: 64), "ab", String(repeating: "g", count: 64)] {
            #expect(store.url(for: bad) == nil)
        }
        let permissions = try FileManager.default.attributesOfItem(atPath: root.path)[.posixPermissions] as? Int
        #expect(permissions == 0o750)
        // Abandoned uploads are swept.
        _ = try store.newIncomingFile()
        #expect(store.removeAbandonedUploads(olderThan: -1, now: Date()) == 1)
    }
}
