import Foundation
import HTTPTypes
import Hummingbird
import WenzhengCore
import WenzhengStore

/// Files on letters, as the mailbox's pages and API handle them: checking
/// a citizen's uploads (kind by content, count, size, the identity proof of
/// an information-disclosure request), keeping them in `AttachmentFiles`,
/// and serving one as a download that no browser will render inline.
struct LetterAttachments: Sendable {
    let files: AttachmentFiles
    /// Art. 29: an information-disclosure request must carry a proof of
    /// identity when the office requires it (`--require-identity-proof`).
    let requireIdentityProof: Bool

    /// The form fields citizens attach files in, and what each is for.
    static let citizenFields: [String: AttachmentRole] = ["attachments": .letter, "identityProof": .identityProof]
    /// The form field staff attach a reply document in.
    static let replyField = "document"

    /// The citizen's files, checked: every file in a known field, of an
    /// accepted kind, within the limits, and the proof of identity a
    /// disclosure request needs when it is required (also when no form
    /// with files came). Nothing is kept yet.
    ///
    /// - Throws: `Problem` 422 naming the field of every bad file.
    func citizenAttachments(_ upload: MultipartUpload?, type: LetterType?) throws -> [NewAttachment] {
        var errors: [FieldError] = []
        var attachments: [NewAttachment] = []
        for file in upload?.files ?? [] {
            guard let role = Self.citizenFields[file.field] else {
                errors.append(.invalid(file.field, "files go in the attachments or identityProof field"))
                continue
            }
            guard let attachment = Self.attachment(file, role: role, errors: &errors) else { continue }
            attachments.append(attachment)
        }
        if !errors.isEmpty { throw Problem.validation(ValidationFailure(errors)) }
        if let type {
            do {
                try MailboxChecks.validateCitizenAttachments(attachments, type: type, requireIdentityProof: requireIdentityProof)
            } catch StoreError.invalid(let failure) {
                throw Problem.validation(failure)
            }
        }
        return attachments
    }

    /// The one document of a staff upload, checked.
    func replyDocument(_ upload: MultipartUpload) throws -> NewAttachment {
        var errors: [FieldError] = []
        let documents = upload.files.filter { $0.field == Self.replyField }
        if documents.count != 1 {
            errors.append(.invalid(Self.replyField, "send exactly one file in the document field"))
        }
        if let stray = upload.files.first(where: { $0.field != Self.replyField }) {
            errors.append(.invalid(stray.field, "files go in the document field"))
        }
        if errors.isEmpty, let attachment = Self.attachment(documents[0], role: .reply, errors: &errors) {
            return attachment
        }
        throw Problem.validation(ValidationFailure(errors))
    }

    static func attachment(_ file: MultipartUpload.File, role: AttachmentRole, errors: inout [FieldError]) -> NewAttachment? {
        guard let kind = file.kind else {
            let name = file.filename.isEmpty ? "the file" : file.filename
            errors.append(
                FieldError(field: file.field, code: "unsupported_type", message: "\(name) is not a PDF, JPEG or PNG file"))
            return nil
        }
        return NewAttachment(
            sha256: file.sha256, kind: kind, byteCount: file.byteCount,
            displayName: AttachmentRules.displayName(file.filename, kind: kind), role: role)
    }

    /// Moves the checked files of `upload` to their content addresses;
    /// any other file of the upload is deleted.
    func keep(_ upload: MultipartUpload, _ attachments: [NewAttachment]) throws {
        let wanted = Set(attachments.map(\.sha256))
        for file in upload.files {
            if wanted.contains(file.sha256) {
                try files.keep(file.url, hash: file.sha256)
            } else {
                try? FileManager.default.removeItem(at: file.url)
            }
        }
    }

    /// A stored attachment as a download: the kind's own type, never
    /// sniffed, never shown inline, never cached, and sandboxed should a
    /// browser open it anyway.
    func download(_ attachment: LetterAttachmentView) throws -> Response {
        let data = try files.contents(of: attachment.sha256)
        var headers = HTTPFields()
        headers[.contentType] = attachment.kind.mediaType
        headers[.contentDisposition] = Self.contentDisposition(attachment.displayName, kind: attachment.kind)
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "sandbox; default-src 'none'"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: data)))
    }

    /// `attachment`, an ASCII fallback name and the real name in RFC 8187
    /// form (`filename*=UTF-8''…`), which every current browser reads.
    static func contentDisposition(_ name: String, kind: AttachmentKind) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "attachment.\(kind.fileExtension)"
        return "attachment; filename=\"attachment.\(kind.fileExtension)\"; filename*=UTF-8''\(encoded)"
    }
}
