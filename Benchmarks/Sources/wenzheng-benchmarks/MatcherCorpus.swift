import WenzhengCore

// Deterministic inputs for the word-filter benchmark: a term list and a body
// of Chinese text of the kind citizens send a justice department, with
// known term occurrences planted in it. Everything derives from one seed
// through SplitMix64, so every run on every machine sees the same bytes.

/// Draws the corpus needs, on Core's seeded SplitMix64.
extension SplitMix64 {
    /// Uniform in `0..<bound` (Lemire's multiply-shift; the bias is below
    /// 2⁻³² for the bounds used here).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in `[0, 1)`.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Picks indices with fixed relative weights (binary search over the
/// cumulative weights).
struct WeightedPicker {
    private let cumulative: [Double]

    init(weights: [Double]) {
        var total = 0.0
        cumulative = weights.map { weight in
            total += weight
            return total
        }
    }

    func pick(_ rng: inout SplitMix64) -> Int {
        let target = rng.unit() * cumulative[cumulative.count - 1]
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] <= target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A term occurrence planted in the text: what the matcher must report.
struct PlantedOccurrence: Hashable {
    var term: Int
    var utf16Start: Int
    var utf16End: Int
}

enum MatcherCorpus {
    // MARK: Terms

    /// The 500 most frequent characters of modern written Chinese, most
    /// frequent first (after the usual published character-frequency
    /// tables). Term characters are drawn from these with Zipf weights, so
    /// terms share prefixes and collide with ordinary text the way a real
    /// list of two- to six-character words does.
    static let commonCharacters: [Unicode.Scalar] = Array(
        ("的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里"
            + "用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
            + "日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政"
            + "美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员"
            + "解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件"
            + "计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象"
            + "完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改"
            + "收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调"
            + "深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企"
            + "八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列")
            .unicodeScalars)

    /// Real spam and solicitation terms of the kind the shipped
    /// `advertising` and `fraud` lists hold; they open the generated list
    /// and are planted more often than the random terms.
    static let realisticTerms = [
        "加微信", "加V信", "加我微信", "VX号", "QQ群", "加QQ", "加扣扣", "扣扣群", "刷单", "兼职日结",
        "详情私聊", "代写诉状", "包赢官司", "保证胜诉", "内部关系", "花钱消灾", "低息贷款", "无抵押贷款", "代办证件",
        "私人侦探", "套现", "网贷平台", "日赚500", "点击链接领取", "刷信誉", "找关系捞人",
    ]

    /// ASCII pieces of the kind spammers mix into Chinese terms.
    static let asciiPieces = [
        "V", "VX", "vx", "QQ", "qq", "wx", "WX", "APP", "app", "8", "88", "520", "24h", "vip", "VIP", "Q", "TG", "k",
        "100", "3w",
    ]

    /// Terms of the length distribution of real Chinese word lists (mostly
    /// two to four characters), distinct after folding, ~6 % with ASCII
    /// letters or digits mixed in. Returns the terms and how many contain
    /// ASCII.
    static func makeTerms(count: Int, rng: inout SplitMix64) -> (terms: [String], withASCII: Int) {
        let characterPicker = WeightedPicker(weights: commonCharacters.indices.map { 1 / Double($0 + 8) })
        let lengthPicker = WeightedPicker(weights: [0, 0, 30, 30, 22, 12, 6])  // index = length
        var terms: [String] = []
        var seen = Set<[UInt32]>()
        var withASCII = 0
        func add(_ term: String) {
            guard terms.count < count else { return }
            let folded = TextNormalizer.fold(term)
            guard !folded.isEmpty, seen.insert(folded).inserted else { return }
            terms.append(term)
            if term.unicodeScalars.contains(where: \.isASCII) { withASCII += 1 }
        }
        for term in realisticTerms { add(term) }
        while terms.count < count {
            let length = lengthPicker.pick(&rng)
            var scalars: [Unicode.Scalar] = []
            if rng.chance(0.06) {
                var piece = Array(rng.pick(asciiPieces).unicodeScalars)
                if piece.count >= length { piece = Array(piece.prefix(length - 1)) }
                for _ in 0..<(length - piece.count) { scalars.append(commonCharacters[characterPicker.pick(&rng)]) }
                scalars.insert(contentsOf: piece, at: rng.below(scalars.count + 1))
            } else {
                for _ in 0..<length { scalars.append(commonCharacters[characterPicker.pick(&rng)]) }
            }
            var term = ""
            term.unicodeScalars.append(contentsOf: scalars)
            add(term)
        }
        return (terms, withASCII)
    }

    // MARK: Text

    /// Openings of letters to the department.
    static let openings = [
        "尊敬的司法局领导：", "您好！", "尊敬的12348热线工作人员：", "各位领导好，", "司法局的同志们：",
        "尊敬的法律援助中心：", "尊敬的公证处工作人员：", "您好，我想反映一个问题。",
    ]

    /// Clauses citizens write; `#` stands for a random digit. Assembled into
    /// sentences of one to four clauses.
    static let clauses = [
        "我想咨询一下法律援助的申请条件", "我是一名外来务工人员", "公司已经拖欠工资#个月了",
        "包工头拖欠我们##名工人的工资共计#####元", "劳动争议仲裁委员会说要先提交申请材料", "请问办理公证需要带哪些材料",
        "房产继承公证的费用是怎么收取的", "人民调解委员会调解了三次都没有结果", "邻里纠纷影响了我们一家的正常生活",
        "社区矫正对象每月需要到司法所报到几次", "我对行政复议决定不服", "行政复议申请书应该向哪个部门提交",
        "律师收了代理费却迟迟不出庭", "我想投诉律师执业不规范的问题", "请问律师事务所的收费标准是否有统一规定",
        "希望司法局能够加强对基层法律服务所的监督", "法律援助中心的工作人员态度很好", "村里的土地承包合同纠纷一直没有解决",
        "物业公司强行停水停电", "交通事故赔偿问题双方协商不成", "工伤认定需要多长时间", "用人单位没有和我签订书面劳动合同",
        "能否向法院申请支付令", "老人赡养问题兄弟姐妹之间互相推诿", "离婚后孩子的抚养费一直没有按时支付",
        "我是残疾人，家庭经济困难", "听说可以通过12348公共法律服务平台在线咨询", "在 APP 上预约了公证服务",
        "在ＡＰＰ上提交了法律援助申请", "网上申请法律援助的流程不太清楚", "希望能够简化办事程序", "建议在社区设立公共法律服务工作站",
        "司法鉴定的费用太高了", "仲裁裁决书下来以后对方仍然不履行", "申请强制执行需要准备什么材料",
        "我于2025年#月##日向区司法局提交了申请", "至今已经过去了##天", "没有收到任何答复", "恳请领导重视",
        "谢谢你们的耐心解答", "现将有关情况反映如下", "对方当事人伪造证据", "基层司法所人手不足", "人民调解员的补贴太低",
        "公证处排队时间太长", "建议延长周末的办公时间", "普法宣传活动进社区很受欢迎", "希望多举办一些法律知识讲座",
        "外卖骑手的劳动关系怎么认定", "农民工讨薪难的问题依然存在", "欠条上写明了还款日期", "借款#####元到期不还",
        "民间借贷的利息上限是多少", "遗嘱公证和遗嘱见证有什么区别", "未成年人的社区矫正如何开展",
        "刑满释放人员的安置帮教工作需要加强", "监狱会见需要提前预约吗", "戒毒所的探视规定是什么", "律师会见在押人员难",
        "我申请公开相关的政府信息", "行政机关超过法定期限没有作出决定", "拆迁补偿标准明显偏低", "征地补偿款被村干部截留",
        "医疗纠纷人民调解委员会受理了我的申请", "保险公司拒绝理赔", "网购商品质量有问题商家拒不退货",
        "小区业主委员会选举不规范", "开发商延期交房已经##个月", "劳务派遣工同工不同酬", "社保断缴影响了孩子入学",
        "加班费的计算基数是多少", "试用期被无故辞退", "经济补偿金按照工作年限计算", "单位要求员工签订自愿放弃社保的协议",
        "请司法局给予法律指导", "希望得到公平公正的处理", "这件事情已经拖了快#年", "我们多次找到街道办反映",
        "对方一直以各种理由推脱", "我家里还有两个孩子在上学", "母亲今年##岁，身体不好", "希望有关部门尽快协调解决",
        "我不知道应该找哪个部门", "窗口工作人员让我回去等通知", "听说法律援助是免费的", "请问需要提供收入证明吗",
        "居委会出具的证明材料被退回", "法律顾问每周只来一次", "村法律顾问的联系方式在公示栏上看不到",
        "我在网上看到了司法局的公告", "律师费用按照标的额的#%收取", "合同约定的违约金过高", "房东不退押金",
        "中介公司隐瞒房屋的真实情况", "我的身份证件丢失了", "公证书需要翻译成英文", "出国留学需要办理学历公证",
        "涉外公证的办理周期是多久", "人民陪审员的选任条件是什么", "建议公开律师的执业信用信息",
        "对律师协会的处理结果不满意", "我已经向信访部门反映过", "法院已经立案但迟迟没有开庭", "执行款一直没有到账",
        "请相关部门依法处理", "以上情况属实", "盼复", "希望能给予帮助",
    ]

    /// Closings; `#` stands for a random digit (mobile numbers exercise the
    /// personal-information detector).
    static let closings = [
        "此致\n敬礼！", "望尽快回复，谢谢！", "联系电话：13#########", "联系人：张先生，电话 18#########",
        "谢谢！", "一位普通市民", "以上，请领导批示。", "我的手机号是15#########，随时可以联系我。",
    ]

    /// Separators people insert between the characters of a term to dodge
    /// a filter; all fold to nothing.
    static let evasionSeparators = [" ", "　", "．", "*", "\u{200B}", "-", "、", ".", "~"]

    /// Generates at least `bytes` bytes of UTF-8 text: letters of an opening,
    /// paragraphs of sentences and a closing. At clause boundaries, now and
    /// then, a term is planted: as written, with separators between its
    /// characters, or with its ASCII in full width or the other case.
    static func makeText(
        bytes: Int, terms: [String], plantProbability: Double, rng: inout SplitMix64
    ) -> (text: String, planted: [PlantedOccurrence], evasions: Int) {
        var text = ""
        text.reserveCapacity(bytes + 4096)
        var utf8Count = 0
        var utf16Count = 0
        var planted: [PlantedOccurrence] = []
        var evasions = 0

        func append(_ piece: String) {
            text += piece
            utf8Count += piece.utf8.count
            utf16Count += piece.utf16.count
        }
        func digits(_ template: String) -> String {
            let fullWidth = rng.chance(0.1)
            var result = ""
            var previousWasDigit = false
            for scalar in template.unicodeScalars {
                guard scalar == "#" else {
                    result.unicodeScalars.append(scalar)
                    previousWasDigit = false
                    continue
                }
                // Numbers do not start with 0 (过去了05天); later digits may be anything.
                let digit = UInt32(previousWasDigit ? rng.below(10) : 1 + rng.below(9))
                result.unicodeScalars.append(Unicode.Scalar((fullWidth ? 0xFF10 : 0x30) + digit)!)
                previousWasDigit = true
            }
            return result
        }
        func plant() {
            let term =
                rng.chance(0.3) ? rng.below(min(realisticTerms.count, terms.count)) : rng.below(terms.count)
            let characters = Array(terms[term].unicodeScalars)
            var rendered = ""
            let style = rng.unit()
            if style < 0.3 {
                // 加 微 信, 加．微．信, 加\u{200B}微信 …
                let separator = rng.pick(evasionSeparators)
                for (index, scalar) in characters.enumerated() {
                    if index > 0 && (index == 1 || rng.chance(0.7)) { rendered += separator }
                    rendered.unicodeScalars.append(scalar)
                }
                evasions += 1
            } else if style < 0.5 && characters.contains(where: \.isASCII) {
                // ＱＱ群, qq群, Ｖｘ号 …
                let fullWidth = rng.chance(0.5)
                for scalar in characters {
                    var value = scalar.value
                    if scalar.isASCII {
                        if value >= 0x61 && value <= 0x7A { value -= 0x20 } else if value >= 0x41 && value <= 0x5A { value += 0x20 }
                        if fullWidth { value += 0xFEE0 }
                    }
                    rendered.unicodeScalars.append(Unicode.Scalar(value)!)
                }
                evasions += 1
            } else {
                rendered.unicodeScalars.append(contentsOf: characters)
            }
            let start = utf16Count
            append(rendered)
            planted.append(PlantedOccurrence(term: term, utf16Start: start, utf16End: utf16Count))
        }

        while utf8Count < bytes {
            append(rng.pick(openings))
            append("\n")
            for _ in 0..<(2 + rng.below(4)) {
                if rng.chance(0.5) { append("　　") }
                for _ in 0..<(3 + rng.below(5)) {
                    let clauseCount = 1 + rng.below(4)
                    for index in 0..<clauseCount {
                        if index > 0 { append(rng.chance(0.04) ? ", " : "，") }
                        if rng.chance(plantProbability) {
                            plant()
                            append("，")
                        }
                        append(digits(rng.pick(clauses)))
                    }
                    let end = rng.unit()
                    append(end < 0.7 ? "。" : end < 0.85 ? "？" : end < 0.95 ? "！" : "……")
                    if rng.chance(0.03) { append(" ") }
                }
                append("\n")
            }
            append(digits(rng.pick(closings)))
            append("\n\n")
        }
        return (text, planted, evasions)
    }

    /// Splits a text into pieces of `characters` characters, the size of a
    /// typical letter.
    static func letters(of text: String, characters: Int) -> [String] {
        var result: [String] = []
        var start = text.startIndex
        while start < text.endIndex {
            let end = text.index(start, offsetBy: characters, limitedBy: text.endIndex) ?? text.endIndex
            result.append(String(text[start..<end]))
            start = end
        }
        return result
    }
}
