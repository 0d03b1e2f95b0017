"""The demo's merchant community: a lively sugar board (the mill, the food factories and
a trader on this season's prices, the harvest and freight), a timber board (eucalyptus
boards from Guangxi, barge freight to Shandong), a fruit board (Yantai apples), a
general board; the operator's market news pinned on the sugar board, and one reported
post waiting in the moderation queue.

Every row is written by the community's services on its own day (``demo_clock``), so
notifications, audit rows and helpful-mark points carry coherent dates. Running it again
adds nothing (the sugar board exists)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from mercator.catalog.models import Market
from mercator.community import services
from mercator.community.models import Board
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import Membership
from mercator.core.actor import Actor
from mercator.demo.clock import demo_clock

OPS = "ops@mercator.demo"
MILL_SALES = "sales@sugarmill.demo"
MILL_BOSS = "boss@sugarmill.demo"
FOOD_BUYER = "buyer@foodfactory.demo"
FOOD_BOSS = "boss@foodfactory.demo"
FOOD_FINANCE = "finance@foodfactory.demo"
HAOWEI = "boss@haowei.demo"
APPLE_BOSS = "boss@yantai-apple.demo"
APPLE_CLERK = "clerk@yantai-apple.demo"
EUCALYPTUS = "boss@eucalyptus.demo"
LINYI = "boss@linyi-timber.demo"

# (name, name_en, market code or "", industry, description, description_en)
BOARDS = (
    (
        "食糖",
        "Sugar",
        "sugar",
        "",
        "白砂糖、原糖的行情、榨季和运费",
        "Sugar prices, the crushing season and freight",
    ),
    (
        "木材",
        "Timber",
        "timber",
        "",
        "桉木板材、原木、驳船运输",
        "Eucalyptus boards, logs and barge freight",
    ),
    (
        "水果",
        "Fruit",
        "fruit",
        "",
        "烟台苹果等鲜果的产地行情和冷链",
        "Yantai apples and fresh fruit, cold chain",
    ),
    (
        "综合交流",
        "General",
        "",
        "综合",
        "平台使用、结算、开票等经验交流",
        "Using the platform, payment and invoices",
    ),
)


@dataclass
class DemoPost:
    key: str
    board: str
    author: str
    days_ago: float
    title: str
    body: str
    replies: list[tuple[str, float, str]] = field(default_factory=list)  # author, hours later
    likes: tuple[str, ...] = ()
    helpful: tuple[str, ...] = ()  # members whose company marks the post helpful
    news: bool = False


POSTS: tuple[DemoPost, ...] = (
    DemoPost(
        "crush",
        "食糖",
        MILL_SALES,
        12,
        "崇左今年11月18日开榨，新糖月底能出库",
        "跟各位老客户通报一下：我们厂今年定在11月18日开榨，甘蔗收购价每吨520元，比去年高了20元。"
        "新糖预计11月底开始出库，一级白砂糖头一批量不大，需要的请提前在平台下单锁货。",
        [
            (FOOD_BUYER, 3, "@李小龙 新糖第一批能给我们留30吨吗？我们春节前要做月饼和糕点的备货。"),
            (MILL_SALES, 5, "可以，王采购你在平台上下个单，我这边优先排。"),
            (FOOD_BOSS, 26, "收购价涨了20，出厂价估计也要跟着涨吧？"),
            (MILL_BOSS, 30, "成本是涨了，但今年糖分偏低，出厂价我们尽量稳住，老客户有账期。"),
        ],
        likes=(FOOD_BUYER, FOOD_BOSS, HAOWEI, EUCALYPTUS),
        helpful=(FOOD_BUYER, HAOWEI),
    ),
    DemoPost(
        "price",
        "食糖",
        FOOD_BUYER,
        10,
        "一级白砂糖现货最近怎么走？",
        "上周南宁现货报价每吨6,350元左右，这周问了几家都在6,400上下。"
        "各位觉得年前还会涨吗？我们要决定是一次买够还是分批买。",
        [
            (MILL_BOSS, 2, "年前新糖集中上市，价格一般压得住。建议分两批，12月中一批，1月初一批。"),
            (HAOWEI, 6, "我们小厂也在纠结这个，用量不大，分批买资金压力小点。"),
            (EUCALYPTUS, 20, "我做贸易的看法：郑糖期货最近偏弱，现货跟着回落的可能大一些。"),
        ],
        likes=(MILL_BOSS, HAOWEI),
        helpful=(MILL_SALES,),
    ),
    DemoPost(
        "harvest",
        "食糖",
        MILL_BOSS,
        9,
        "广西今年甘蔗收成：雨水足，糖分略低",
        "今年夏天雨水多，甘蔗长得好，单产比去年高一成左右；但是光照少，糖分大概低0.5个点。"
        "总体看产糖量和去年差不多，大家不用担心断货。",
        [
            (FOOD_BOSS, 4, "谢谢黄总的一手消息，这个对我们排采购计划很有用。"),
            (FOOD_BUYER, 5, "糖分低会不会影响色值？我们做饮料的对色值要求高。"),
            (MILL_SALES, 7, "色值我们出厂都检测，一级糖的标准不会变，检测报告随货附上。"),
        ],
        likes=(FOOD_BOSS, FOOD_BUYER, EUCALYPTUS),
        helpful=(FOOD_BOSS,),
    ),
    DemoPost(
        "freight",
        "食糖",
        MILL_SALES,
        8,
        "崇左到广州的汽运运费又涨了",
        "这两周物流公司通知，崇左到广州的整车运费从每吨180元涨到了200元，说是油价和过路费的原因。"
        "下单的时候平台会按最新运费算，大家留意一下到货成本。",
        [
            (FOOD_BUYER, 2, "能不能走铁路？量大的话铁路应该便宜一些。"),
            (MILL_SALES, 3, "300吨以上可以走铁路到广州东，每吨大概便宜30元，但要多两三天。"),
        ],
        likes=(FOOD_BUYER,),
        helpful=(FOOD_BUYER,),
    ),
    DemoPost(
        "stock",
        "食糖",
        FOOD_BOSS,
        7,
        "春节备货，大家一般几月份开始囤糖？",
        "我们厂往年都是12月中开始备，今年订单多，想提前到12月初。仓库能放200吨，再多就要租冷库了。",
        [
            (HAOWEI, 5, "我们小厂一般只备一个月的量，太多了资金周转不过来。"),
            (MILL_BOSS, 8, "林总可以考虑在平台上签远期，价格先锁住，分批提货。"),
        ],
        likes=(HAOWEI, MILL_SALES),
    ),
    DemoPost(
        "raw",
        "食糖",
        FOOD_BUYER,
        6,
        "进口原糖配额外的价格还有优势吗？",
        "听说今年配额外进口原糖加工后的成本在每吨6,000元附近，比国产糖便宜一些。有没有同行用过？质量怎么样？",
        [
            (EUCALYPTUS, 4, "我去年帮客户做过一单，价格确实低，但到港时间不好控制，急用的不建议。"),
        ],
        likes=(FOOD_BOSS,),
    ),
    DemoPost(
        "newbie",
        "食糖",
        HAOWEI,
        5,
        "小厂第一次在平台上买糖，验货要注意什么？",
        "我们是做糕点的小厂，以前都在批发市场拿货，第一次在平台上买整车。收货的时候要看哪些地方？",
        [
            (FOOD_BUYER, 1, "先看包装有没有破损受潮，再抽几袋看颜色和结块，对一下随货的检测报告。"),
            (MILL_SALES, 3, "有问题在平台上点“确认收货”之前提出来，钱在担保账户里，处理完再放款。"),
            (HAOWEI, 4, "明白了，谢谢两位！"),
        ],
        likes=(FOOD_BUYER, MILL_SALES, FOOD_BOSS),
    ),
    DemoPost(
        "invoice",
        "食糖",
        FOOD_FINANCE,
        4,
        "糖厂的增值税专票一般多久能开出来？",
        "我们财务月底要做账，想问一下平台上的订单结算后，发票多久能拿到？",
        [(MILL_BOSS, 5, "结算后我们一般三个工作日内开，在平台的发票页面就能下载。")],
        likes=(FOOD_BOSS,),
    ),
    DemoPost(
        "futures",
        "食糖",
        EUCALYPTUS,
        3,
        "郑糖期货跌了，现货会跟吗？",
        "这周郑糖主力合约跌了快200点，现货目前还没怎么动。做贸易的朋友怎么看？",
        [
            (MILL_BOSS, 6, "新榨季开始，期货先反应。现货我们厂暂时不调价。"),
            (FOOD_BOSS, 9, "我们下游倒是希望跟着降一点 😄"),
        ],
        likes=(FOOD_BOSS, FOOD_BUYER),
    ),
    DemoPost(
        "cake",
        "食糖",
        FOOD_BOSS,
        2.5,
        "绵白糖和白砂糖做糕点，各有什么讲究？",
        "新来的师傅说蛋糕要用绵白糖，月饼馅用白砂糖就行，大家厂里是怎么配的？",
        [
            (HAOWEI, 2, "我们蛋糕也用绵白糖，化得快，口感细。馅料用白砂糖成本低。"),
            (MILL_SALES, 5, "我们厂两种都有，绵白糖每吨贵两三百，量大可以一起报价。"),
        ],
        likes=(HAOWEI,),
        helpful=(HAOWEI,),
    ),
    DemoPost(
        "warehouse",
        "食糖",
        MILL_BOSS,
        1.5,
        "广州有没有靠谱的食品级仓库推荐？",
        "我们打算在广州放一批现货，方便珠三角的客户就近提货。要求食品级、能防潮，最好离黄埔近。",
        [(FOOD_BOSS, 3, "我们用的是黄埔那边的一家冷链仓，环境不错，我私信你联系方式。")],
        likes=(FOOD_BOSS, FOOD_BUYER),
    ),
    DemoPost(
        "weekly",
        "食糖",
        FOOD_BUYER,
        0.5,
        "本周采购小结：30吨一级白砂糖已到货",
        "上周在平台上下的30吨一级白砂糖今天到货了，包装完好，检测报告齐全。从下单到收货一共五天，比以前快。",
        [(MILL_SALES, 2, "感谢王采购支持，下一批按计划12月中发。")],
        likes=(MILL_SALES, MILL_BOSS),
    ),
    DemoPost(
        "news",
        "食糖",
        OPS,
        4.5,
        "市场快讯：广西糖厂陆续开榨，本周白砂糖挂牌量上升",
        "据平台统计，本周广西已有多家糖厂开榨，食糖市场一级白砂糖挂牌量比上周增加约三成，"
        "成交均价小幅回落。平台提醒：下单前请核对运费和交货期，付款请走平台担保。",
        news=True,
        likes=(FOOD_BOSS, MILL_BOSS, HAOWEI),
    ),
    DemoPost(
        "boards",
        "木材",
        EUCALYPTUS,
        11,
        "钦州桉木板材本月出货：18毫米多层板",
        "本月钦州有一批桉木多层板出货，规格1220×2440×18毫米，E1级，每张报价98元，整车起订。"
        "需要看样的老板可以来钦州港，也可以寄小样。",
        [
            (LINYI, 6, "临沂这边要两车，价格还能谈吗？"),
            (EUCALYPTUS, 8, "张老板两车以上每张让2元，走驳船的话运费另算。"),
        ],
        likes=(LINYI,),
        helpful=(LINYI,),
    ),
    DemoPost(
        "barge",
        "木材",
        LINYI,
        6,
        "钦州到山东的驳船运费大概多少？",
        "想从钦州走水路运板材到日照港再转临沂，驳船运费每吨多少？比汽运能省多少？",
        [
            (EUCALYPTUS, 3, "钦州到日照海运加驳船每吨大概120元，汽运要280元左右，就是慢一周。"),
            (LINYI, 5, "省一半多，值得等。下个月的货我们就走水路。"),
        ],
        likes=(EUCALYPTUS,),
    ),
    DemoPost(
        "apples",
        "水果",
        APPLE_BOSS,
        8,
        "烟台红富士今年行情：80果每斤3.2元",
        "今年烟台苹果个头大、糖度高，80毫米以上的红富士冷库出库价每斤3.2元，比去年高两毛。"
        "我们冷库还有200吨，春节前可以分批发货。",
        [
            (FOOD_BOSS, 5, "我们做果酱要70毫米左右的小果，有没有便宜一点的？"),
            (APPLE_CLERK, 7, "林总，70果每斤2.4元，量大可以再谈，我把样品照片发您。"),
        ],
        likes=(FOOD_BOSS, APPLE_CLERK),
        helpful=(FOOD_BOSS,),
    ),
)

# The reported post: a "cheap sugar, pay first, add me on WeChat" offer, reported by
# the mill's sales clerk, waiting for the operator.
SCAM = DemoPost(
    "scam",
    "食糖",
    APPLE_CLERK,
    1,
    "低价转让白糖50吨，比市场价低300",
    "手上有50吨白砂糖急转，每吨比市场价便宜300元，要的加微信私聊，先款后货，不走平台。",
)
SCAM_REPORT = (MILL_SALES, "疑似骗局：要求先款后货、私下交易，不走平台担保。")
SENSITIVE = ("代开发票", "刷单", "套现")


def _seats() -> dict[str, Membership]:
    """Each demo person's seat (the eucalyptus trader's own company, not his partnership)."""
    seats: dict[str, Membership] = {}
    for seat in (
        Membership.objects.filter(person__email__endswith=".demo", is_active=True)
        .select_related("company", "person")
        .order_by("joined_at", "pk")
    ):
        seats.setdefault(seat.person.email, seat)
    return seats


def _actor(seats: dict[str, Membership], email: str) -> Actor:
    return actor_for_membership(seats[email], via="system")


def build_community() -> None:
    seats = _seats()
    if OPS not in seats or MILL_SALES not in seats:
        return  # build_companies() first
    if Board.objects.filter(market__code="sugar").exists():
        return
    now = timezone.now()
    ops = _actor(seats, OPS)
    with transaction.atomic():
        boards: dict[str, Board] = {}
        with demo_clock(now - timedelta(days=30)):
            for position, (name, name_en, market, industry, text, text_en) in enumerate(BOARDS):
                found = Market.objects.filter(code=market).first() if market else None
                boards[name] = services.board_create(
                    actor=ops,
                    name=name,
                    name_en=name_en,
                    description=text,
                    description_en=text_en,
                    market_id=found.public_id if found else None,
                    industry=industry,
                    position=position,
                )
            for word in SENSITIVE:
                services.word_add(actor=ops, word=word)
        with demo_clock(now - timedelta(days=14)):
            services.follow_set(actor=_actor(seats, FOOD_BUYER), board_id=boards["食糖"].public_id)
            services.follow_set(actor=_actor(seats, LINYI), board_id=boards["木材"].public_id)
        built = {
            spec.key: _build_post(seats, boards, spec, now)
            for spec in sorted((*POSTS, SCAM), key=lambda p: -p.days_ago)
        }
        with demo_clock(now - timedelta(hours=12)):
            scam = built[SCAM.key]
            services.report_create(
                actor=_actor(seats, SCAM_REPORT[0]), post_id=scam, reason=SCAM_REPORT[1]
            )


def _build_post(
    seats: dict[str, Membership], boards: dict[str, Board], spec: DemoPost, now: datetime
) -> object:
    """One post on its day, then its likes, helpful marks and replies on theirs."""
    at = now - timedelta(days=spec.days_ago)
    with demo_clock(at):
        post = services.post_create(
            actor=_actor(seats, spec.author),
            board_id=boards[spec.board].public_id,
            title=spec.title,
            body=spec.body,
            news=spec.news,
        )
    for n, email in enumerate(spec.likes):
        with demo_clock(at + timedelta(minutes=40 + 17 * n)):
            services.post_like(actor=_actor(seats, email), post_id=post.public_id)
    for n, email in enumerate(spec.helpful):
        with demo_clock(at + timedelta(hours=1, minutes=13 * n)):
            services.helpful_mark(actor=_actor(seats, email), post_id=post.public_id)
    for author, hours, body in spec.replies:
        when = at + timedelta(hours=hours)
        if when >= now:
            continue
        with demo_clock(when):
            services.reply_create(actor=_actor(seats, author), post_id=post.public_id, body=body)
    return post.public_id
