import Foundation

/// A piece of personal information found in a text.
public struct PersonalInformationMatch: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case mobile
        case residentID = "resident_id"
        case bankCard = "bank_card"
        case email
        case landline
        case licencePlate = "licence_plate"
        /// The author's own name in their text. `detect` never reports it;
        /// masking with an author name does.
        case name
    }

    public var kind: Kind
    /// UTF-16 offsets into the text: `[start, end)`.
    public var start: Int
    public var end: Int
    /// The original characters.
    public var text: String
    /// What publication shows instead.
    public var masked: String
}

/// Where a masked text was masked, and what kind of item was there: what
/// staff who may not read the original are shown instead of it.
public struct MaskedSpan: Sendable, Codable, Equatable {
    public var kind: PersonalInformationMatch.Kind
    /// UTF-16 offsets into the masked text: `[start, end)`.
    public var start: Int
    public var end: Int
    /// The masked characters (`138****5678`), never the original.
    public var masked: String

    /// The span as a match whose `text` is its masked form, for lists of
    /// personal information shown to staff who may not read the original.
    public var asMaskedMatch: PersonalInformationMatch {
        PersonalInformationMatch(kind: kind, start: start, end: end, text: masked, masked: masked)
    }
}

/// A text with its personal information masked, with the spans that were
/// masked, and how offsets into the original map into it.
public struct MaskedText: Sendable, Equatable {
    /// One replacement: UTF-16 ranges in the original and in the masked text.
    struct Replacement: Sendable, Equatable {
        var original: Range<Int>
        var masked: Range<Int>
    }

    public var text: String
    public var spans: [MaskedSpan]
    var replacements: [Replacement]

    /// Where a UTF-16 offset of the original text lands in the masked text.
    /// An offset inside a masked item lands on the item's start, or on its
    /// end with `roundingUp`, so a highlighted range that touched personal
    /// information covers the whole masked item and never reveals part of it.
    public func maskedOffset(ofOriginal offset: Int, roundingUp: Bool = false) -> Int {
        var delta = 0
        for replacement in replacements {
            if offset <= replacement.original.lowerBound { break }
            if offset >= replacement.original.upperBound {
                delta += replacement.masked.count - replacement.original.count
                continue
            }
            return roundingUp ? replacement.masked.upperBound : replacement.masked.lowerBound
        }
        return offset + delta
    }
}

/// Finds and masks personal information in citizens' text before it is
/// published: mainland mobile numbers, resident ID numbers (18-digit with
/// checksum, 15-digit legacy), bank card numbers (Luhn), e-mail addresses,
/// landline numbers and licence plates.
///
/// Masked output never matches again, so masking is idempotent: masking
/// already-masked text changes nothing.
public enum PersonalInformation {
    // MARK: Detection

    public static func detect(in text: String) -> [PersonalInformationMatch] {
        // Every item holds a digit or an `@` (a plate has at least two
        // digits): a text with neither needs no split into Characters,
        // which is most of the cost of a short question's check and mask
        // (issue 13).
        guard text.unicodeScalars.contains(where: { isDigitOrAt($0.value) }) else { return [] }
        let characters = Array(text)
        var offsets: [Int] = []  // UTF-16 offset of each character, plus the end
        offsets.reserveCapacity(characters.count + 1)
        // Each character's scalar when it has exactly one, for quick tests.
        var values: [UInt32] = []
        values.reserveCapacity(characters.count)
        var offset = 0
        for character in characters {
            offsets.append(offset)
            let scalars = character.unicodeScalars
            var width = 0
            var count = 0
            for scalar in scalars {
                width += scalar.value > 0xFFFF ? 2 : 1
                count += 1
            }
            offset += width
            values.append(count == 1 ? scalars.first!.value : UInt32.max)
        }
        offsets.append(offset)

        var found: [PersonalInformationMatch] = []
        // Where the previous item ended: a later item never reaches back
        // into it (an e-mail's local part after a card number), so items
        // never overlap and masking can replace them independently.
        var lastEnd = 0
        func add(_ kind: PersonalInformationMatch.Kind, _ range: Range<Int>, masked: String) {
            found.append(
                PersonalInformationMatch(
                    kind: kind, start: offsets[range.lowerBound], end: offsets[range.upperBound],
                    text: String(characters[range]), masked: masked))
            lastEnd = range.upperBound
        }

        var index = 0
        while index < characters.count {
            // Only digits, '@' and the provinces of licence plates can start
            // an item: skip everything else without comparing Characters.
            guard mayStartItem(values[index]) else {
                index += 1
                continue
            }
            let character = characters[index]
            if let run = digitRun(in: characters, from: index) {
                if let kind = classify(run.digits) {
                    add(kind, run.range, masked: mask(kind, digits: run.digits))
                }
                index = run.range.upperBound
                continue
            }
            if character == "@", let range = emailRange(in: characters, at: index, notBefore: lastEnd) {
                let local = characters[range.lowerBound..<index]
                let domain = String(characters[(index + 1)..<range.upperBound])
                add(.email, range, masked: "\(local.first!)***@\(domain)")
                index = range.upperBound
                continue
            }
            if plateProvinces.contains(character), let range = plateRange(in: characters, at: index) {
                let plate = characters[range].filter { $0 != "·" && $0 != " " && $0 != "•" }
                add(.licencePlate, range, masked: "\(plate.prefix(2).map(String.init).joined())***\(String(plate.suffix(2)))")
                index = range.upperBound
                continue
            }
            index += 1
        }
        return found
    }

    // MARK: Masking

    /// The text with every detected item replaced by its masked form, and
    /// the author's name (if given) replaced by its masked form too.
    public static func mask(_ text: String, authorName: String? = nil) -> String {
        maskWithSpans(text, authorName: authorName).text
    }

    /// Masks like `mask`, and says where and what was masked. The author's
    /// name is masked wherever it appears outside a detected item.
    public static func maskWithSpans(_ text: String, authorName: String? = nil) -> MaskedText {
        var items: [(kind: PersonalInformationMatch.Kind, range: Range<Int>, masked: String)] = detect(in: text)
            .filter { $0.start < $0.end }
            .map { ($0.kind, $0.start..<$0.end, $0.masked) }
        if let name = authorName?.trimmingScalars(in: .whitespaces), name.count >= 2 {
            let replacement = maskName(name)
            for range in occurrences(of: name, in: text) where !items.contains(where: { $0.range.overlaps(range) }) {
                items.append((.name, range, replacement))
            }
            items.sort { $0.range.lowerBound < $1.range.lowerBound }
        }
        if items.isEmpty { return MaskedText(text: text, spans: [], replacements: []) }
        let utf16 = Array(text.utf16)
        var output: [UInt16] = []
        output.reserveCapacity(utf16.count)
        var spans: [MaskedSpan] = []
        var replacements: [MaskedText.Replacement] = []
        var position = 0
        for item in items where item.range.lowerBound >= position && item.range.upperBound <= utf16.count {
            output += utf16[position..<item.range.lowerBound]
            let start = output.count
            output += Array(item.masked.utf16)
            spans.append(MaskedSpan(kind: item.kind, start: start, end: output.count, masked: item.masked))
            replacements.append(.init(original: item.range, masked: start..<output.count))
            position = item.range.upperBound
        }
        output += utf16[position...]
        return MaskedText(text: String(decoding: output, as: UTF16.self), spans: spans, replacements: replacements)
    }

    /// A digit (ASCII or full-width), `@` or a licence plate's province:
    /// the only characters an item can start with.
    static func mayStartItem(_ value: UInt32) -> Bool {
        isDigitOrAt(value) || isPlateProvince(value)
    }

    static func isDigitOrAt(_ value: UInt32) -> Bool {
        (0x30...0x39).contains(value) || (0xFF10...0xFF19).contains(value) || value == 0x40
    }

    /// Non-overlapping occurrences of `needle`, compared by Character as
    /// `String.replacing` does, as UTF-16 ranges.
    static func occurrences(of needle: String, in text: String) -> [Range<Int>] {
        let characters = Array(text)
        let pattern = Array(needle)
        guard !pattern.isEmpty, characters.count >= pattern.count else { return [] }
        var offsets: [Int] = [0]
        offsets.reserveCapacity(characters.count + 1)
        for character in characters { offsets.append(offsets.last! + character.utf16.count) }
        var found: [Range<Int>] = []
        var index = 0
        while index + pattern.count <= characters.count {
            if characters[index..<(index + pattern.count)].elementsEqual(pattern) {
                found.append(offsets[index]..<offsets[index + pattern.count])
                index += pattern.count
            } else {
                index += 1
            }
        }
        return found
    }

    /// `张三` → `张*`, `欧阳娜娜` → `欧阳**`, `Li Ming` → `L*******`.
    public static func maskName(_ name: String) -> String {
        let trimmed = name.trimmingScalars(in: .whitespaces)
        guard let first = trimmed.first else { return trimmed }
        let surnameLength = compoundSurnames.contains(where: { trimmed.hasPrefix($0) }) && trimmed.count > 2 ? 2 : 1
        if trimmed.allSatisfy({ $0.isASCII }) {
            return String(first) + String(repeating: "*", count: max(1, trimmed.count - 1))
        }
        return String(trimmed.prefix(surnameLength)) + String(repeating: "*", count: max(1, trimmed.count - surnameLength))
    }

    /// `张三` → `张先生/女士`: the courteous public form when the office
    /// prefers it to asterisks.
    public static func honorific(_ name: String) -> String {
        let trimmed = name.trimmingScalars(in: .whitespaces)
        let surnameLength = compoundSurnames.contains(where: { trimmed.hasPrefix($0) }) && trimmed.count > 2 ? 2 : 1
        return String(trimmed.prefix(surnameLength)) + "先生/女士"
    }

    static let compoundSurnames = [
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒", "夏侯", "轩辕", "端木", "南宫", "西门",
    ]

    // MARK: Digits

    struct DigitRun {
        var range: Range<Int>  // character indices
        var digits: [UInt8]  // 0...9, and 10 for a trailing X
    }

    static func digitValue(_ character: Character) -> UInt8? {
        guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1 else { return nil }
        switch scalar.value {
        case 0x30...0x39: return UInt8(scalar.value - 0x30)
        case 0xFF10...0xFF19: return UInt8(scalar.value - 0xFF10)  // full-width
        default: return nil
        }
    }

    /// A maximal run of digits, allowing single spaces or dashes between
    /// digit groups (`138 1234 5678`, `025-83591234`) and a final X (ID
    /// numbers). It must not be glued to letters or more digits, so parts
    /// of longer codes are not mistaken for numbers.
    static func digitRun(in characters: [Character], from start: Int) -> DigitRun? {
        guard digitValue(characters[start]) != nil else { return nil }
        // Digits glued to Latin letters are part of a code (an order
        // number, a licence), not a phone or ID number.
        var glued = start > 0 && characters[start - 1].isASCII && characters[start - 1].isLetter
        var digits: [UInt8] = []
        var index = start
        var end = start
        while index < characters.count {
            if let value = digitValue(characters[index]) {
                digits.append(value)
                index += 1
                end = index
            } else if (characters[index] == "X" || characters[index] == "x") && (digits.count == 17) {
                digits.append(10)
                index += 1
                end = index
                break
            } else if ["-", " ", "－", "—"].contains(characters[index]), index + 1 < characters.count,
                digitValue(characters[index + 1]) != nil, !digits.isEmpty
            {
                index += 1
            } else {
                break
            }
        }
        if end < characters.count, characters[end].isASCII, characters[end].isLetter { glued = true }
        return DigitRun(range: start..<end, digits: glued ? [] : digits)
    }

    static func classify(_ digits: [UInt8]) -> PersonalInformationMatch.Kind? {
        let count = digits.count
        guard count >= 10 else { return nil }
        if count == 11, digits[0] == 1, (3...9).contains(digits[1]) { return .mobile }
        if count == 13, digits[0] == 8, digits[1] == 6, digits[2] == 1, (3...9).contains(digits[3]) { return .mobile }
        if count == 18, isValidResidentID(digits) { return .residentID }
        if count == 15, digits.allSatisfy({ $0 < 10 }), isValidLegacyResidentID(digits) { return .residentID }
        if (16...19).contains(count), digits.allSatisfy({ $0 < 10 }), passesLuhn(digits) { return .bankCard }
        if digits[0] == 0, (10...12).contains(count), isLandline(digits) { return .landline }
        return nil
    }

    static func mask(_ kind: PersonalInformationMatch.Kind, digits: [UInt8]) -> String {
        let text = digits.map { $0 == 10 ? "X" : String($0) }.joined()
        switch kind {
        case .mobile:
            let number = String(text.suffix(11))
            return "\(number.prefix(3))****\(number.suffix(4))"
        case .residentID:
            return "\(text.prefix(2))\(String(repeating: "*", count: text.count - 5))\(text.suffix(3))"
        case .bankCard:
            return "\(String(repeating: "*", count: text.count - 4))\(text.suffix(4))"
        case .landline:
            let areaLength = (digits[1] == 1 || digits[1] == 2) ? 3 : 4
            return "\(text.prefix(areaLength))-****\(text.suffix(4))"
        case .email, .licencePlate, .name:
            return text
        }
    }

    /// GB 11643: 17 digits, a date of birth at 7–14, and an ISO 7064
    /// MOD 11-2 check character.
    public static func isValidResidentID(_ digits: [UInt8]) -> Bool {
        guard digits.count == 18, digits.prefix(17).allSatisfy({ $0 < 10 }) else { return false }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(digits.prefix(17), weights).reduce(0) { $0 + Int($1.0) * $1.1 }
        let check: [UInt8] = [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2]
        guard digits[17] == check[sum % 11] else { return false }
        let year = number(digits[6..<10])
        return (1900...2100).contains(year) && isValidDate(year: year, month: number(digits[10..<12]), day: number(digits[12..<14]))
    }

    /// The pre-1999 15-digit form: a two-digit year of birth, no check digit.
    static func isValidLegacyResidentID(_ digits: [UInt8]) -> Bool {
        guard digits[0] != 0 else { return false }
        return isValidDate(year: 1900 + number(digits[6..<8]), month: number(digits[8..<10]), day: number(digits[10..<12]))
    }

    public static func passesLuhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if position % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// 010 and 02X have three-digit area codes, others four; local numbers
    /// have 7 or 8 digits and do not start with 0 or 1.
    static func isLandline(_ digits: [UInt8]) -> Bool {
        let areaLength = (digits[1] == 1 || digits[1] == 2) ? 3 : 4
        let local = digits.count - areaLength
        guard (7...8).contains(local) else { return false }
        return digits[areaLength] >= 2
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1) }
    }

    static func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let days = [31, (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    // MARK: E-mail

    static func isLocalPart(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || "._%+-".contains(c))
    }

    static func isDomainPart(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || ".-".contains(c))
    }

    static func emailRange(in characters: [Character], at: Int, notBefore floor: Int = 0) -> Range<Int>? {
        var start = at
        while start > floor, isLocalPart(characters[start - 1]) { start -= 1 }
        // Glued to a masked item (139****5678@…): what is left of the
        // number is not an e-mail address; re-masking must change nothing.
        if start > 0, characters[start - 1] == "*" { return nil }
        var end = at + 1
        while end < characters.count, isDomainPart(characters[end]) { end += 1 }
        while end > at + 1, characters[end - 1] == "." || characters[end - 1] == "-" { end -= 1 }
        guard start < at, end > at + 1 else { return nil }
        let domain = String(characters[(at + 1)..<end])
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }), let tld = labels.last, tld.count >= 2,
            tld.allSatisfy(\.isLetter)
        else { return nil }
        return start..<end
    }

    // MARK: Licence plates

    static let plateProvinces: Set<Character> = Set("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")

    /// The provinces as a bitmap over the CJK block, for the fast skip.
    static let plateProvinceBits: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: (0xA000 - 0x4E00) / 64)
        for scalar in "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼".unicodeScalars {
            let index = Int(scalar.value - 0x4E00)
            bits[index >> 6] |= 1 << UInt64(index & 63)
        }
        return bits
    }()

    @inline(__always)
    static func isPlateProvince(_ value: UInt32) -> Bool {
        guard value >= 0x4E00 && value < 0xA000 else { return false }
        let index = Int(value - 0x4E00)
        return plateProvinceBits[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    static func plateRange(in characters: [Character], at start: Int) -> Range<Int>? {
        func upper(_ c: Character) -> Character? {
            guard let scalar = c.unicodeScalars.first, c.unicodeScalars.count == 1 else { return nil }
            switch scalar.value {
            case 0x41...0x5A: return c
            case 0x61...0x7A: return Character(Unicode.Scalar(scalar.value - 0x20)!)
            case 0xFF21...0xFF3A: return Character(Unicode.Scalar(scalar.value - 0xFF21 + 0x41)!)
            default: return nil
            }
        }
        var index = start + 1
        guard index < characters.count, let letter = upper(characters[index]), letter != "I", letter != "O" else { return nil }
        index += 1
        if index < characters.count, ["·", " ", "•"].contains(characters[index]) { index += 1 }
        var count = 0
        var letters = 0
        while index < characters.count, count < 6 {
            if digitValue(characters[index]) != nil {
                count += 1
            } else if let u = upper(characters[index]), u != "I", u != "O" {
                count += 1
                letters += 1
            } else {
                break
            }
            index += 1
        }
        // 5 characters (6 for new-energy plates), mostly digits, and not
        // followed by more letters or digits.
        guard count == 5 || count == 6, letters <= 3 else { return nil }
        if index < characters.count, digitValue(characters[index]) != nil || upper(characters[index]) != nil { return nil }
        return start..<index
    }
}
