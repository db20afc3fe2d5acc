/// Finds every occurrence of many terms in one pass over a text
/// (Aho-Corasick). Built once from the word lists; each scan is linear in
/// the text's length whatever the number of terms.
///
/// Terms and text are folded by `TextNormalizer`, so matching ignores case,
/// width and inserted separators. Matches are reported as UTF-16 offsets
/// into the original text, the unit browsers use, so the moderator console
/// highlights exactly the characters that matched.
///
/// The automaton is immutable after `init` and safe to share across tasks.
public struct MultiPatternMatcher: Sendable {
    /// One occurrence of a term.
    public struct Match: Sendable, Equatable {
        /// Index of the term in the array given to `init`.
        public var term: Int
        /// Start (inclusive) and end (exclusive), in UTF-16 code units of the
        /// original text.
        public var utf16Start: Int
        public var utf16End: Int
    }

    private let transitions: TransitionTable
    private let failure: [Int32]
    /// For each state, the terms that end there, including those reached
    /// through failure links (flattened at build time).
    private let outputStart: [Int32]
    private let outputs: [Int32]
    /// Scalars that occur in some term; any other scalar sends the
    /// automaton straight back to its root without a lookup.
    private let alphabet: ScalarSet
    /// Folded length of each term, to find where a match starts.
    private let termLengths: [Int]
    private let longestTerm: Int
    /// The root's transitions for the Basic Multilingual Plane, dense: most
    /// steps start at the root, and an array index beats a hash probe.
    private let rootRow: [Int32]

    /// - Parameter terms: the terms; one that folds to nothing (only
    ///   separators) can never match and is ignored.
    public init(terms: [String]) {
        var builder = TransitionTable.Builder()
        var nodeCount = 1
        var termsEndingAt: [[Int32]] = [[]]
        var lengths: [Int] = []
        var alphabet = ScalarSet()
        var children: [[(UInt32, Int32)]] = [[]]

        for (index, term) in terms.enumerated() {
            let folded = TextNormalizer.fold(term)
            lengths.append(folded.count)
            guard !folded.isEmpty else { continue }
            var state: Int32 = 0
            for scalar in folded {
                alphabet.insert(scalar)
                if let next = builder.get(state: state, scalar: scalar) {
                    state = next
                } else {
                    let next = Int32(nodeCount)
                    nodeCount += 1
                    termsEndingAt.append([])
                    children.append([])
                    builder.set(state: state, scalar: scalar, next: next)
                    children[Int(state)].append((scalar, next))
                    state = next
                }
            }
            termsEndingAt[Int(state)].append(Int32(index))
        }

        // Breadth-first: failure links and flattened outputs.
        var failure = [Int32](repeating: 0, count: nodeCount)
        var queue: [Int32] = children[0].map(\.1)
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            for (scalar, child) in children[Int(state)] {
                var fallback = failure[Int(state)]
                while true {
                    if let next = builder.get(state: fallback, scalar: scalar), next != child {
                        failure[Int(child)] = next
                        break
                    }
                    if fallback == 0 {
                        failure[Int(child)] = 0
                        break
                    }
                    fallback = failure[Int(fallback)]
                }
                termsEndingAt[Int(child)] += termsEndingAt[Int(failure[Int(child)])]
                queue.append(child)
            }
        }

        var outputStart: [Int32] = []
        var outputs: [Int32] = []
        outputStart.reserveCapacity(nodeCount + 1)
        for state in 0..<nodeCount {
            outputStart.append(Int32(outputs.count))
            outputs.append(contentsOf: termsEndingAt[state])
        }
        outputStart.append(Int32(outputs.count))

        self.transitions = builder.build()
        var rootRow = [Int32](repeating: 0, count: 0x10000)
        for (scalar, child) in children[0] where scalar < 0x10000 { rootRow[Int(scalar)] = child }
        self.rootRow = rootRow
        self.failure = failure
        self.outputStart = outputStart
        self.outputs = outputs
        self.alphabet = alphabet
        self.termLengths = lengths
        self.longestTerm = max(1, lengths.max() ?? 1)
    }

    /// Number of automaton states, for diagnostics and benchmarks.
    public var stateCount: Int { failure.count }

    /// Every occurrence of every term, in order of where they end.
    public func matches(in text: String) -> [Match] {
        var found: [Match] = []
        scan(text) { found.append($0) }
        return found
    }

    /// Calls `report` for every occurrence, without collecting them.
    public func scan(_ text: String, report: (Match) -> Void) {
        // Source offsets of the most recent folded scalars, in a ring
        // buffer as long as the longest term.
        var ringSize = 1
        while ringSize < longestTerm { ringSize <<= 1 }
        let mask = ringSize - 1
        var starts = [Int](repeating: 0, count: ringSize)
        var fed = 0
        var state: Int32 = 0
        var utf16Offset = 0
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let start = utf16Offset
            utf16Offset &+= value > 0xFFFF ? 2 : 1
            let folded: UInt32
            if value >= 0x4E00 && value <= 0x9FFF {
                folded = value  // CJK ideographs fold to themselves: skip the call
            } else {
                switch TextNormalizer.fold(value) {
                case .skip:
                    continue
                case .one(let one):
                    folded = one
                case .many(let many):
                    for one in many {
                        state = step(state, one, start: start, end: utf16Offset, starts: &starts, mask: mask, fed: &fed, report: report)
                    }
                    continue
                }
            }
            state = step(state, folded, start: start, end: utf16Offset, starts: &starts, mask: mask, fed: &fed, report: report)
        }
    }

    /// Feeds one folded scalar: follows goto and failure links, and reports
    /// the terms that end here. A method rather than a nested closure, so
    /// the compiler does not add exclusivity checks on the captured state.
    @inline(__always)
    private func step(
        _ current: Int32, _ scalar: UInt32, start: Int, end: Int, starts: inout [Int], mask: Int, fed: inout Int,
        report: (Match) -> Void
    ) -> Int32 {
        guard alphabet.contains(scalar) else { return 0 }
        starts[fed & mask] = start
        fed &+= 1
        var state = current
        while true {
            if state == 0 {
                state = scalar < 0x10000 ? rootRow[Int(scalar)] : (transitions.get(state: 0, scalar: scalar) ?? 0)
                break
            }
            if let next = transitions.get(state: state, scalar: scalar) {
                state = next
                break
            }
            state = failure[Int(state)]
        }
        let first = Int(outputStart[Int(state)])
        let last = Int(outputStart[Int(state) + 1])
        if first < last {
            for index in first..<last {
                let term = Int(outputs[index])
                report(Match(term: term, utf16Start: starts[(fed &- termLengths[term]) & mask], utf16End: end))
            }
        }
        return state
    }
}

/// A set of Unicode scalar values as a bitmap over all 0x110000 of them
/// (136 KiB): membership is one shift and one load.
struct ScalarSet: Sendable {
    private var words = [UInt64](repeating: 0, count: 0x110000 / 64)

    mutating func insert(_ value: UInt32) {
        words[Int(value >> 6)] |= 1 << UInt64(value & 63)
    }

    @inline(__always)
    func contains(_ value: UInt32) -> Bool {
        value < 0x110000 && words[Int(value >> 6)] & (1 << UInt64(value & 63)) != 0
    }
}

/// The automaton's goto function, `(state, scalar) -> state`, as an
/// open-addressing hash table over packed 64-bit keys. With a CJK-sized
/// alphabet a dense table per state would be far too large; a dictionary
/// of dictionaries is several times slower than this flat table.
struct TransitionTable: Sendable {
    private let keys: [UInt64]  // 0 = empty; stored as key + 1
    private let values: [Int32]
    private let shift: UInt64

    @inline(__always)
    static func key(state: Int32, scalar: UInt32) -> UInt64 {
        UInt64(UInt32(bitPattern: state)) << 21 | UInt64(scalar)
    }

    @inline(__always)
    func get(state: Int32, scalar: UInt32) -> Int32? {
        let key = Self.key(state: state, scalar: scalar) &+ 1
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let stored = keys[slot]
            if stored == key { return values[slot] }
            if stored == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    struct Builder {
        private var entries: [UInt64: Int32] = [:]

        func get(state: Int32, scalar: UInt32) -> Int32? {
            entries[TransitionTable.key(state: state, scalar: scalar)]
        }

        mutating func set(state: Int32, scalar: UInt32, next: Int32) {
            entries[TransitionTable.key(state: state, scalar: scalar)] = next
        }

        func build() -> TransitionTable {
            // Load factor at most 1/2 keeps probe sequences short.
            var bits = 4
            while (1 << bits) < entries.count * 2 { bits += 1 }
            let capacity = 1 << bits
            var keys = [UInt64](repeating: 0, count: capacity)
            var values = [Int32](repeating: 0, count: capacity)
            let shift = UInt64(64 - bits)
            for (key, value) in entries {
                let stored = key &+ 1
                var slot = Int(truncatingIfNeeded: (stored &* 0x9E37_79B9_7F4A_7C15) >> shift)
                while keys[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
                keys[slot] = stored
                values[slot] = value
            }
            return TransitionTable(keys: keys, values: values, shift: shift)
        }
    }

    private init(keys: [UInt64], values: [Int32], shift: UInt64) {
        self.keys = keys
        self.values = values
        self.shift = shift
    }
}
