import Foundation
import Testing
import WenzhengCore

@Suite("Open-day registration input: phones, codes, the form")
struct RegistrationInputTests {
    // MARK: Phones

    @Test(
        "every way of typing one mobile number normalises to the same 11 digits",
        arguments: [
            "13812345678", "138 1234 5678", "138-1234-5678", "(138)1234-5678", "+86 138 1234 5678", "+8613812345678",
            "8613812345678", "0086 138 1234 5678", "(+86) 138-1234-5678", "１３８１２３４５６７８", "138－1234－5678", "138.1234.5678",
            "＋86 138\u{3000}1234\u{3000}5678",
        ])
    func normalises(_ text: String) throws {
        #expect(MobileNumber(text)?.digits == "13812345678")
        #expect(try MobileNumber.parse(text) == MobileNumber("13812345678"))
    }

    @Test(
        "landlines, short or long numbers, letters, extensions and misplaced plus signs are refused",
        arguments: [
            "12345678901", "10012345678", "1381234567", "138123456789", "025-83591234", "+1 138 1234 5678", "138 1234 5678 转 1",
            "1381234567a", "+86+13812345678", "+0086 13812345678", "138+12345678", "86 12812345678",
            "138\u{200B}12345678", "٣١٣٨١٢٣٤٥٦٧٨",
        ])
    func refusesPhones(_ text: String) {
        #expect(MobileNumber(text) == nil, "\(text)")
        let error = #expect(throws: FieldError.self) { try MobileNumber.parse(text) }
        #expect(error?.message.contains("for example 138 1234 5678") == true)
    }

    @Test("a blank phone is required, not invalid; numbers are masked like the moderation filter does")
    func blankAndMasked() throws {
        let error = #expect(throws: FieldError.self) { try MobileNumber.parse("  ") }
        #expect(error?.code == "required")
        #expect(MobileNumber("+86 139 0000 1234")?.masked == "139****1234")
    }

    @Test("a phone number encodes as its digits and refuses to decode from anything else")
    func phoneCodable() throws {
        let number = try #require(MobileNumber("+86 138 1234 5678"))
        let data = try JSONEncoder().encode([number])
        #expect(String(decoding: data, as: UTF8.self) == #"["13812345678"]"#)
        #expect(try JSONDecoder().decode([MobileNumber].self, from: data) == [number])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([MobileNumber].self, from: Data(#"["025-83591234"]"#.utf8)) }
    }

    // MARK: Confirmation codes

    @Test("codes are 8 symbols of the 32-symbol alphabet, the same for the same seed")
    func codesAreDeterministic() {
        var first = XorShiftGenerator(seed: 42)
        var second = XorShiftGenerator(seed: 42)
        let a = (0..<20).map { _ in ConfirmationCode.generate(using: &first) }
        let b = (0..<20).map { _ in ConfirmationCode.generate(using: &second) }
        #expect(a == b)
        #expect(Set(a).count == 20)
        #expect(ConfirmationCode.alphabet.count == 32)
        #expect(ConfirmationCode.bitsOfEntropy == ConfirmationCode.length * 5)
        for code in a {
            #expect(code.symbols.count == 8)
            #expect(code.symbols.allSatisfy { ConfirmationCode.alphabet.contains($0) })
            #expect(code.description.count == 9 && code.description.dropFirst(4).first == "-")
            #expect(ConfirmationCode(code.description) == code)
        }
    }

    @Test("the alphabet has no 0, O, 1 or I, and every symbol is drawn")
    func alphabet() {
        for ambiguous in "01IO" { #expect(!ConfirmationCode.alphabet.contains(ambiguous)) }
        var generator = XorShiftGenerator(seed: 7)
        var seen: [Character: Int] = [:]
        for _ in 0..<1000 {
            for symbol in ConfirmationCode.generate(using: &generator).symbols { seen[symbol, default: 0] += 1 }
        }
        #expect(seen.count == 32)
        // 8000 draws, 250 expected per symbol: a biased draw would stray far.
        #expect(seen.values.allSatisfy { (170...330).contains($0) })
    }

    @Test("a code already used for the event is drawn again")
    func avoidsExisting() {
        var probe = XorShiftGenerator(seed: 99)
        let firstDraw = ConfirmationCode.generate(using: &probe)
        let secondDraw = ConfirmationCode.generate(using: &probe)
        var generator = XorShiftGenerator(seed: 99)
        #expect(ConfirmationCode.generate(avoiding: [firstDraw], using: &generator) == secondDraw)
    }

    @Test("codes are read as people type them; look-alikes and other lengths are refused")
    func readsCodes() throws {
        let code = try #require(ConfirmationCode("K7QM3XPA"))
        for typed in ["k7qm-3xpa", " K7QM 3XPA ", "Ｋ７ＱＭ－３ＸＰＡ", "k7qm3xpa"] {
            #expect(ConfirmationCode(typed) == code, "\(typed)")
        }
        for bad in ["K7QM-3XP", "K7QM-3XPAA", "K7QM-3XP0", "K7QM-3XPO", "K7QM-3XP1", "K7QM-3XPI", "", "K7QM_3XPA", "ßßßß", "K7QM-3XPÁ"] {
            #expect(ConfirmationCode(bad) == nil, "\(bad)")
        }
        let data = try JSONEncoder().encode([code])
        #expect(String(decoding: data, as: UTF8.self) == #"["K7QM3XPA"]"#)
        #expect(try JSONDecoder().decode([ConfirmationCode].self, from: data) == [code])
    }

    // MARK: The form

    @Test("a good form: trimmed name, normalised phone, blank e-mail dropped")
    func goodForm() throws {
        let registrant = try RegistrationForm(name: "  王芳 ", phone: "+86 138 1234 5678", email: "  ", partySize: 2).validated(capacity: 50)
        #expect(registrant == Registrant(name: "王芳", phone: MobileNumber("13812345678")!, email: nil, partySize: 2))
        let withEmail = try RegistrationForm(name: "王芳", phone: "13812345678", email: "wang@example.com").validated(capacity: 1)
        #expect(withEmail.email == "wang@example.com" && withEmail.partySize == 1)
    }

    @Test("every bad field is reported at once")
    func badForm() {
        let failure = #expect(throws: ValidationFailure.self) {
            try RegistrationForm(name: "", phone: "025-83591234", email: "not-an-address", partySize: 4).validated(capacity: 50)
        }
        #expect(failure?.errors.map(\.field) == ["name", "phone", "email", "partySize"])
        #expect(failure?.errors.last?.code == "out_of_range")
    }

    @Test("party sizes 0, negative and 4 are out of range; 3 for a 2-seat event could never be seated")
    func partySizes() {
        for size in [0, -1, 4] {
            let failure = #expect(throws: ValidationFailure.self) {
                try RegistrationForm(name: "王芳", phone: "13812345678", partySize: size).validated(capacity: 50)
            }
            #expect(failure?.errors.map(\.code) == ["out_of_range"])
        }
        let failure = #expect(throws: ValidationFailure.self) {
            try RegistrationForm(name: "王芳", phone: "13812345678", partySize: 3).validated(capacity: 2)
        }
        #expect(failure?.errors.map(\.code) == ["larger_than_capacity"])
    }

    @Test("names: control characters and more than 40 characters are refused")
    func names() {
        for name in ["王\u{0}芳", "王芳\u{1B}[2J", String(repeating: "王", count: 41)] {
            #expect(throws: ValidationFailure.self) { try RegistrationForm(name: name, phone: "13812345678").validated(capacity: 5) }
        }
    }
}
