import WenzhengCore

/// The texts of the demo: plausible for a provincial justice department,
/// every title marked 【示例】 and every body or summary saying it is
/// demo data, so no one mistakes them for the office's real work.
enum DemoContent {
    static let mark = "【示例】"
    static let note = "本内容为演示数据，由 wenzheng demo 生成，不代表真实信息。"

    static func title(_ text: String) -> String { mark + text }

    /// Citizens' names and nicknames the seed picks from.
    static let names = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "周敏", "吴刚", "孙丽"]
    static let nicknames = ["南京市民", "苏州网友", "老徐", "无锡小陈", "常州居民", "扬州老李", "南通网友", "热心市民"]

    // MARK: Interviews

    static let guest = (name: "张明", title: "副厅长", department: "江苏省司法厅")
    static let laterGuest = (name: "陈红", title: "公共法律服务管理处处长", department: "江苏省司法厅")

    static let endedTitle = title("法律援助惠民生——在线访谈")
    static let endedSummary = """
        省司法厅负责同志做客在线访谈，介绍法律援助的申请条件、办理流程和便民举措，并回答网友提问。

        \(note)
        """
    static let endedQuestions = [
        "农民工讨要工资，可以申请法律援助吗？需要准备什么材料？",
        "法律援助需要本人到现场申请吗？年纪大了行动不便怎么办？",
        "经济困难的标准是什么？各地一样吗？",
        "对法律援助律师的服务不满意，可以要求更换吗？",
    ]
    static let endedAnswers = [
        "可以。农民工请求支付劳动报酬申请法律援助，不受经济困难条件的限制。带上身份证件和能证明劳动关系的材料，到当地法律援助中心或者公共法律服务中心申请即可。",
        "行动不便的老年人、残疾人，可以通过12348热线或者网上申请，法律援助机构可以上门受理。",
        "经济困难标准由各设区市根据当地实际确定并向社会公布，申请时如实说明家庭经济状况即可。",
    ]
    /// The question answered after the interview (补录).
    static let laterAnswer = "可以。受援人认为法律援助人员未依法履职的，可以向法律援助机构提出更换，机构应当在规定时间内作出决定。"
    static let openingRemark = "各位网友大家好！欢迎参加今天的在线访谈。今天我们围绕法律援助，和大家聊一聊。"
    static let guestGreeting = "网友们好！法律援助是国家建立的为经济困难公民和符合法定条件的其他当事人无偿提供法律服务的制度。欢迎大家提问。"
    static let closingRemark = "今天的访谈到这里就结束了。没来得及回答的问题，我们会在访谈后尽快答复。谢谢大家！"

    static let upcomingTitle = title("人民调解与矛盾纠纷化解——在线访谈预告")
    static let upcomingSummary = """
        访谈将介绍人民调解的受理范围、调解协议的效力和“苏解纷”平台的使用方法。现在即可提交问题。

        \(note)
        """
    static let upcomingQuestions = [
        "邻里之间因为漏水起了纠纷，可以找人民调解委员会吗？收费吗？",
        "调解协议签了以后对方不履行，怎么办？",
    ]
    /// Left in the moderation queue, so the moderator has something to try.
    static let pendingQuestion = "“苏解纷”平台在手机上怎么使用？"

    // MARK: Letters

    struct Letter {
        var type: LetterType
        var subject: String
        var body: String
        var reply: String
    }

    static let letters: [Letter] = [
        Letter(
            type: .consultation, subject: title("离婚协议公证需要哪些材料？"),
            body: "我和前妻协议离婚，想把离婚协议做公证，请问需要带哪些材料，在哪里办理？\n\n\(note)",
            reply: "您好！办理离婚协议公证，请双方携带身份证、户口簿、离婚协议和相关财产证明，到住所地或财产所在地的公证机构申请。具体材料请事先电话咨询公证机构。\n\n\(note)"
        ),
        Letter(
            type: .suggestion, subject: title("建议社区增设法律服务点开放时间"),
            body: "我们社区的公共法律服务工作室只在工作日白天开放，上班族很难去咨询。建议每周增加一个晚上或周末开放。\n\n\(note)",
            reply: "感谢您的建议！我们已请区司法局研究，社区公共法律服务工作室将试行每周六上午开放，并通过12348热线提供全天候咨询。\n\n\(note)"
        ),
        Letter(
            type: .complaint, subject: title("反映法律援助申请答复较慢"),
            body: "我上月提交了法律援助申请，一直没有收到是否给予援助的决定，希望加快办理。\n\n\(note)",
            reply: "您好！经核实，您的申请材料已补齐，法律援助中心已作出给予法律援助的决定并指派律师，承办律师将与您联系。给您带来不便，敬请谅解。\n\n\(note)"
        ),
    ]
    /// A letter still being worked: accepted and assigned, no reply yet.
    static let openLetter = Letter(
        type: .consultation, subject: title("社区矫正对象能否外出务工？"), body: "我的亲属正在社区矫正，想去外地务工，需要办理什么手续？\n\n\(note)",
        reply: "")

    // MARK: Survey

    static let surveyTitle = title("公共法律服务满意度调查")
    static let surveyIntroduction = "为了解群众对公共法律服务的评价，我们开展本次问卷调查。问卷匿名填写，约需2分钟。\n\n\(note)"
    static let suggestions = [
        "希望12348热线晚上也能有人接听。", "建议在乡镇多开展普法宣传活动。", "网上申请法律援助的流程可以再简化一些。", "律师很耐心，点赞！",
    ]

    // MARK: Consultation

    static let consultationTitle = title("江苏省法律援助服务规范（征求意见稿）")
    static let draftingExplanation = "为规范法律援助服务，提升服务质量，我厅起草了本规范征求意见稿，现向社会公开征求意见。\n\n\(note)"
    static let draft = """
        江苏省法律援助服务规范（征求意见稿）

        第一章 总则

        第一条 为了规范法律援助服务，保障受援人的合法权益，根据《中华人民共和国法律援助法》等法律法规，结合本省实际，制定本规范。

        第二条 本省行政区域内的法律援助机构、法律援助人员提供法律援助服务，适用本规范。

        第二章 申请与受理

        第三条 法律援助机构应当在公共法律服务中心设置法律援助窗口，公布申请条件、办理流程和所需材料。

        第四条 申请人行动不便的，法律援助机构可以通过网上申请、电话预约、上门受理等方式提供便利。

        第三章 附则

        第五条 本规范自发布之日起施行。
        """
    static let comments: [(target: CommentTarget, text: String)] = [
        (.section("art-4"), "建议明确上门受理的时限，比如预约后三个工作日内上门。"),
        (.wholeDraft, "整体很好，建议增加对法律援助服务质量的评价和投诉渠道。"),
        (.section("art-3"), "窗口公布的材料清单最好同时在网上公布，方便提前准备。"),
    ]

    // MARK: Open day

    static let openDayTitle = title("司法行政开放日：走进公共法律服务中心")
    static let openDayProgramme = """
        参观公共法律服务中心和12348热线平台，了解法律援助、公证、人民调解的办理流程，与工作人员面对面交流。

        \(note)
        """
    static let openDayLocation = "南京市示例路1号 公共法律服务中心（演示地址）"
}
