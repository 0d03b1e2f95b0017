"""The activity feed in sentences: an audit entry ("order.ship", "order:<id>") becomes
"李小龙 发货：订单 SO2026…（华南食品）" with the document's number as a link.

``describe_entries(actor, entries)`` resolves the entries' targets through the owning
apps' scoped selectors, one query per kind of document, so a link only ever points at
what the actor may open; a target he may not see (or that is gone) is named by its kind
alone. ``SENTENCES`` has a sentence for every action code the services write (a test
greps the code base for them); a code added later without one reads as the generic
"… 修改了…" sentence, never as the raw code."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from mercator.catalog.selectors import listings_of, listings_public, products_of, skus_of
from mercator.community.selectors import boards_visible_to, posts_visible_to
from mercator.companies.selectors.approvals import (
    approval_requests_visible_to,
    approval_rules_visible_to,
)
from mercator.companies.selectors.customers import contacts_visible_to, customers_visible_to
from mercator.companies.selectors.members import (
    custom_roles_of,
    invitations_of,
    members_visible_to,
)
from mercator.companies.selectors.tokens import tokens_of
from mercator.core.actor import Actor
from mercator.core.errors import DomainError
from mercator.core.figures import money
from mercator.core.ids import parse_public_id
from mercator.core.models import AuditEntry
from mercator.fieldsales.selectors.pushes import pushes_visible_to
from mercator.fieldsales.selectors.scope import (
    markets_visible_to,
    reps_visible_to,
    statements_visible_to,
    targets_visible_to,
    visits_visible_to,
)
from mercator.logistics.selectors import (
    inbounds_visible_to,
    receipts_visible_to,
    shipments_visible_to,
    warehouses_visible_to,
)
from mercator.logistics.selectors.transport import lanes_visible_to
from mercator.logistics.selectors.warehouses import stocktakes_visible_to
from mercator.markets.selectors.auctions import auctions_visible_to
from mercator.markets.selectors.groupbuys import groupbuys_visible_to
from mercator.payments.selectors.credit import credit_lines_visible_to
from mercator.payments.selectors.intents import intents_visible_to
from mercator.payments.selectors.payouts import payouts_visible_to
from mercator.trading.selectors.invoices import invoices_visible_to
from mercator.trading.selectors.orders import orders_visible_to
from mercator.trading.selectors.quotes import (
    inquiries_visible_to,
    quotes_visible_to,
    rfqs_visible_to,
)
from mercator.trading.selectors.standing import standing_orders_visible_to

# %(person)s: who did it; %(target)s: the document, its number as a link.
SENTENCES: dict[str, Promise] = {
    # orders
    "order.place": _("%(person)s 下了订单 %(target)s"),
    "order.place_market": _("市场成交生成了订单 %(target)s（%(person)s）"),
    "order.approve": _("%(person)s 审批通过了订单 %(target)s"),
    "order.pay": _("%(person)s 发起了订单 %(target)s 的付款"),
    "order.paid": _("订单 %(target)s 的货款已进入担保账户（%(person)s）"),
    "order.payment_refunded": _("订单 %(target)s 的一笔付款已退回（%(person)s）"),
    "order.ship": _("%(person)s 发货了订单 %(target)s"),
    "order.receive": _("%(person)s 确认收货了订单 %(target)s"),
    "order.settle": _("订单 %(target)s 已结算（%(person)s）"),
    "order.cancel": _("%(person)s 取消了订单 %(target)s"),
    "order.expire": _("订单 %(target)s 超时未付款，已自动取消"),
    "order.approval_rejected": _("订单 %(target)s 审批未通过，已取消（%(person)s）"),
    "order.approval_cancelled": _("订单 %(target)s 的审批申请已撤回，订单已取消（%(person)s）"),
    "order.dispute": _("%(person)s 对订单 %(target)s 提出了争议"),
    "order.resolve": _("%(person)s 处理了订单 %(target)s 的争议"),
    "order.dispute_evidence": _("%(person)s 为订单 %(target)s 的争议提交了证据"),
    "order.rate": _("%(person)s 评价了订单 %(target)s 的对方"),
    "order.rating_edit": _("%(person)s 修改了对订单 %(target)s 的评价"),
    "order.complain": _("%(person)s 投诉了订单 %(target)s 的对方"),
    "order.complaint_resolve": _("%(person)s 处理了订单 %(target)s 的投诉"),
    # quotes
    "quote.create": _("%(person)s 起草了报价单 %(target)s"),
    "quote.send": _("%(person)s 发出了报价单 %(target)s"),
    "quote.hold": _("报价单 %(target)s 需要审批，已提交审批（%(person)s）"),
    "quote.revise": _("%(person)s 修改了报价单 %(target)s"),
    "quote.counter": _("%(person)s 对报价单 %(target)s 还价"),
    "quote.accept": _("%(person)s 接受了报价单 %(target)s"),
    "quote.reject": _("%(person)s 拒绝了报价单 %(target)s"),
    "quote.withdraw": _("%(person)s 撤回了报价单 %(target)s"),
    "quote.expire": _("报价单 %(target)s 已过期"),
    "quote.approval_rejected": _("报价单 %(target)s 审批未通过，退回草稿（%(person)s）"),
    "quote.approval_cancelled": _("报价单 %(target)s 的审批申请已撤回（%(person)s）"),
    # RFQs and inquiries
    "rfq.create": _("%(person)s 发布了询价单 %(target)s"),
    "rfq.award": _("%(person)s 为询价单 %(target)s 定标"),
    "rfq.close": _("询价单 %(target)s 已截止（%(person)s）"),
    "rfq.cancel": _("%(person)s 取消了询价单 %(target)s"),
    "rfq.reassign": _("%(person)s 移交了询价单 %(target)s"),
    "inquiry.create": _("%(person)s 发出了询盘 %(target)s"),
    "inquiry.answer": _("%(person)s 回复了询盘 %(target)s"),
    "inquiry.reply": _("%(person)s 追问了询盘 %(target)s"),
    "inquiry.assign": _("%(person)s 分派了询盘 %(target)s"),
    "inquiry.close": _("%(person)s 关闭了询盘 %(target)s"),
    # invoices
    "invoice.issue": _("%(person)s 开具了发票 %(target)s"),
    "invoice.issue_period": _("%(person)s 开具了月结发票 %(target)s"),
    "invoice.reverse": _("%(person)s 开具了红字发票 %(target)s"),
    # cart
    "cart.add": _("%(person)s 把 %(target)s 加入了购物车"),
    "cart.update": _("%(person)s 修改了购物车中 %(target)s 的数量"),
    "cart.remove": _("%(person)s 从购物车移除了 %(target)s"),
    "cart.clear": _("%(person)s 清空了购物车"),
    "cart.quick_order": _("%(person)s 用快速下单把商品加入了购物车"),
    "order.reorder": _("%(person)s 把订单 %(target)s 的商品再来一单加入了购物车"),
    "standing_order.create": _("%(person)s 设置了定期订单 %(target)s"),
    "standing_order.pause": _("%(person)s 暂停了定期订单 %(target)s"),
    "standing_order.resume": _("%(person)s 恢复了定期订单 %(target)s"),
    "standing_order.end": _("%(person)s 终止了定期订单 %(target)s"),
    "standing_order.run": _("定期订单 %(target)s 已自动下单（%(person)s）"),
    "standing_order.fail": _("定期订单 %(target)s 本期未能下单（%(person)s）"),
    "push.create": _("%(person)s 推单 %(target)s"),
    "push.accept": _("%(person)s 确认了推单 %(target)s，已下单"),
    "push.decline": _("%(person)s 拒绝了推单 %(target)s"),
    "push.withdraw": _("%(person)s 撤回了推单 %(target)s"),
    # money
    "payment.intent_create": _("%(person)s 发起了付款 %(target)s"),
    "payment.intent_capture": _("付款 %(target)s 已到账（%(person)s）"),
    "payment.intent_fail": _("付款 %(target)s 失败（%(person)s）"),
    "payment.intent_cancel": _("%(person)s 取消了付款 %(target)s"),
    "payment.sandbox_complete": _("%(person)s 在沙箱网关完成了付款 %(target)s"),
    "payout.request": _("%(person)s 申请提现 %(target)s"),
    "payout.mark_paid": _("%(person)s 已打款提现 %(target)s"),
    "payout.reject": _("%(person)s 驳回了提现 %(target)s"),
    "credit.grant": _("%(person)s 给 %(target)s 授信"),
    "credit.update": _("%(person)s 调整了 %(target)s 的授信"),
    "bank.import": _("%(person)s 导入了银行流水 %(target)s"),
    "bank.line_resolve": _("%(person)s 人工处理了银行流水 %(target)s"),
    # approvals
    "approval.request": _("%(person)s 提交了审批 %(target)s"),
    "approval.approve": _("%(person)s 批准了 %(target)s"),
    "approval.reject": _("%(person)s 驳回了 %(target)s"),
    "approval.cancel": _("%(person)s 撤回了审批 %(target)s"),
    "approval_rule.create": _("%(person)s 新建了审批规则 %(target)s"),
    "approval_rule.update": _("%(person)s 修改了审批规则 %(target)s"),
    "approval_rule.deactivate": _("%(person)s 停用了审批规则 %(target)s"),
    # customers
    "customer.create": _("%(person)s 新建了客户 %(target)s"),
    "customer.update": _("%(person)s 修改了客户 %(target)s"),
    "customer.transfer": _("%(person)s 移交了客户 %(target)s"),
    "contact.create": _("%(person)s 新增了联系人 %(target)s"),
    "contact.update": _("%(person)s 修改了联系人 %(target)s"),
    "contact.delete": _("%(person)s 删除了联系人 %(target)s"),
    "ownership.reassign": _("%(person)s 把 %(target)s 负责的客户和单据移交给了同事"),
    # company and members
    "company.create": _("%(person)s 创建了企业 %(target)s"),
    "company.update": _("%(person)s 修改了企业资料 %(target)s"),
    "company.referral_code": _("%(person)s 生成了企业的推荐链接"),
    "company.referred": _("%(person)s 为 %(target)s 登记了推荐企业"),
    "verification.submit": _("%(person)s 提交了企业认证资料"),
    "verification.approve": _("%(person)s 通过了企业认证"),
    "verification.reject": _("%(person)s 驳回了企业认证"),
    "invitation.create": _("%(person)s 发出了成员邀请 %(target)s"),
    "invitation.revoke": _("%(person)s 撤销了成员邀请 %(target)s"),
    "invitation.accept": _("%(person)s 接受邀请加入了企业"),
    "membership.add": _("%(person)s 添加了成员 %(target)s"),
    "membership.update": _("%(person)s 修改了成员 %(target)s 的角色"),
    "membership.deactivate": _("%(person)s 停用了成员 %(target)s"),
    "membership.reactivate": _("%(person)s 恢复了成员 %(target)s"),
    "mastership.transfer": _("%(person)s 把母账户移交给了 %(target)s"),
    "role.create": _("%(person)s 新建了角色 %(target)s"),
    "role.update": _("%(person)s 修改了角色 %(target)s"),
    "role.delete": _("%(person)s 删除了角色 %(target)s"),
    # people and sign-in
    "person.register": _("%(person)s 注册了账号"),
    "person.sessions_end": _("%(person)s 退出了所有设备上的登录"),
    "password.reset": _("%(person)s 重设了密码"),
    "totp.enroll_start": _("%(person)s 开始设置两步验证"),
    "totp.enable": _("%(person)s 开启了两步验证"),
    "totp.disable": _("%(person)s 关闭了两步验证"),
    "totp.recovery_renew": _("%(person)s 重新生成了两步验证恢复码"),
    "token.create": _("%(person)s 新建了 API 令牌 %(target)s"),
    "token.revoke": _("%(person)s 吊销了 API 令牌 %(target)s"),
    "token.act_for": _("%(person)s 用 API 令牌代表企业办理业务"),
    # catalog
    "product.create": _("%(person)s 新建了商品 %(target)s"),
    "product.update": _("%(person)s 修改了商品 %(target)s"),
    "product.delete": _("%(person)s 删除了商品 %(target)s"),
    "sku.create": _("%(person)s 新建了规格 %(target)s"),
    "sku.update": _("%(person)s 修改了规格 %(target)s"),
    "sku.delete": _("%(person)s 删除了规格 %(target)s"),
    "listing.create": _("%(person)s 挂牌了 %(target)s"),
    "listing.update": _("%(person)s 修改了挂牌 %(target)s"),
    "listing.delete": _("%(person)s 删除了挂牌 %(target)s"),
    "listing.pause": _("%(person)s 暂停了挂牌 %(target)s"),
    "listing.resume": _("%(person)s 恢复了挂牌 %(target)s"),
    "listing.stock_adjust": _("%(person)s 调整了挂牌 %(target)s 的库存"),
    "catalog.import_start": _("%(person)s 开始导入商品目录（Excel）"),
    "catalog.import": _("%(person)s 导入了商品目录（Excel）"),
    "market.create": _("%(person)s 新建了市场 %(target)s"),
    "market.update": _("%(person)s 修改了市场 %(target)s"),
    "category.create": _("%(person)s 新建了类目 %(target)s"),
    "category.update": _("%(person)s 修改了类目 %(target)s"),
    # pricing
    "pricing.list.create": _("%(person)s 新建了价格表 %(target)s"),
    "pricing.list.update": _("%(person)s 修改了价格表 %(target)s"),
    "pricing.list.delete": _("%(person)s 删除了价格表 %(target)s"),
    "pricing.rule.create": _("%(person)s 新增了价格表 %(target)s 的数量档"),
    "pricing.rule.update": _("%(person)s 修改了价格表 %(target)s 的数量档"),
    "pricing.rule.delete": _("%(person)s 删除了价格表 %(target)s 的数量档"),
    "pricing.class.create": _("%(person)s 新建了客户等级 %(target)s"),
    "pricing.class.update": _("%(person)s 修改了客户等级 %(target)s"),
    "pricing.class.delete": _("%(person)s 删除了客户等级 %(target)s"),
    "pricing.assignment.set": _("%(person)s 设置了客户 %(target)s 的等级"),
    "pricing.assignment.delete": _("%(person)s 取消了客户 %(target)s 的等级"),
    "pricing.customer_price.create": _("%(person)s 新增了客户专享价 %(target)s"),
    "pricing.customer_price.update": _("%(person)s 修改了客户专享价 %(target)s"),
    "pricing.customer_price.delete": _("%(person)s 删除了客户专享价 %(target)s"),
    "pricing.terms.set": _("%(person)s 设置了付款条件 %(target)s"),
    "pricing.freight.create": _("%(person)s 新增了运费 %(target)s"),
    "pricing.freight.update": _("%(person)s 修改了运费 %(target)s"),
    "pricing.freight.delete": _("%(person)s 删除了运费 %(target)s"),
    # the merchant community
    "community.board_create": _("%(person)s 新建了社区版块 %(target)s"),
    "community.post_create": _("%(person)s 在社区发了帖子 %(target)s"),
    "community.news_create": _("%(person)s 发布了市场快讯 %(target)s"),
    "community.post_edit": _("%(person)s 修改了帖子 %(target)s"),
    "community.post_delete": _("%(person)s 删除了帖子 %(target)s"),
    "community.reply_create": _("%(person)s 回复了帖子 %(target)s"),
    "community.like": _("%(person)s 赞了帖子 %(target)s"),
    "community.unlike": _("%(person)s 取消了对帖子 %(target)s 的赞"),
    "community.follow": _("%(person)s 关注了 %(target)s"),
    "community.unfollow": _("%(person)s 取消关注了 %(target)s"),
    "community.helpful": _("%(person)s 认为帖子 %(target)s 有用"),
    "community.report": _("%(person)s 举报了帖子 %(target)s 的内容"),
    "community.report_dismiss": _("%(person)s 驳回了对帖子 %(target)s 的举报"),
    "community.post_hide": _("%(person)s 隐藏了帖子 %(target)s"),
    "community.post_unhide": _("%(person)s 恢复显示了帖子 %(target)s"),
    "community.reply_hide": _("%(person)s 隐藏了帖子 %(target)s 的一条回复"),
    "community.reply_unhide": _("%(person)s 恢复显示了帖子 %(target)s 的一条回复"),
    "community.ban": _("%(person)s 禁止 %(target)s 在社区发言"),
    "community.ban_lift": _("%(person)s 解除了 %(target)s 的社区禁言"),
    "community.word_add": _("%(person)s 添加了一个社区敏感词"),
    "community.word_remove": _("%(person)s 删除了一个社区敏感词"),
    # membership (grades)
    "membership.grade_create": _("%(person)s 新增了会员等级 %(target)s"),
    "membership.grade_update": _("%(person)s 修改了会员等级 %(target)s"),
    "membership.scoring_set": _("%(person)s 修改了%(target)s的积分规则"),
    "membership.grade_change": _("%(target)s的会员等级已重新评定"),
    "membership.warn": _("已提醒%(target)s：会员等级闲置，将要降级"),
    "membership.recompute": _("%(person)s 重新计算了会员等级"),
    "membership.pay": _("%(person)s 从钱包支付了付费会员 %(target)s"),
    "membership.appeal_create": _("%(person)s 对等级降级提出了申诉 %(target)s"),
    "membership.appeal_accept": _("%(person)s 通过了等级申诉 %(target)s"),
    "membership.appeal_reject": _("%(person)s 驳回了等级申诉 %(target)s"),
    # auctions
    "auction.create": _("%(person)s 起草了拍卖 %(target)s"),
    "auction.update": _("%(person)s 修改了拍卖 %(target)s"),
    "auction.publish": _("%(person)s 发布了拍卖 %(target)s"),
    "auction.cancel": _("%(person)s 取消了拍卖 %(target)s"),
    "auction.register": _("%(person)s 报名参加拍卖 %(target)s，缴纳了保证金"),
    "auction.bid": _("%(person)s 在拍卖 %(target)s 中出价"),
    "auction.drop": _("%(person)s 退出了拍卖 %(target)s 的轮次竞价"),
    "auction.close": _("拍卖 %(target)s 已结束"),
    "auction.award": _("拍卖 %(target)s 已成交，生成了订单"),
    "auction.sold": _("拍卖 %(target)s 的成交订单已付款"),
    "auction.unsold": _("拍卖 %(target)s 流拍"),
    "auction.unpaid": _("拍卖 %(target)s 的成交订单未付款"),
    "auction.default": _("拍卖 %(target)s 的买受人未付款，保证金已罚没"),
    "auction.relist": _("拍卖 %(target)s 已重新上拍"),
    # proposals from real deals (markets)
    "proposal.create": _("平台根据真实成交生成了%(target)s"),
    "proposal.refresh": _("平台根据新的成交更新了%(target)s"),
    "proposal.run": _("%(person)s 重新分析了真实成交，生成聚合建议"),
    "proposal.draft": _("%(person)s 将%(target)s生成了草稿"),
    "proposal.dismiss": _("%(person)s 忽略了%(target)s"),
    # forward trading (中远期)
    "forward.offer_create": _("%(person)s 发布了中远期报盘 %(target)s"),
    "forward.month_add": _("%(person)s 为中远期报盘 %(target)s 增加了交割月份"),
    "forward.month_update": _("%(person)s 修改了中远期报盘 %(target)s 的月份报价或数量"),
    "forward.offer_close": _("%(person)s 关闭了中远期报盘 %(target)s"),
    "forward.demand_post": _("%(person)s 提交了远期需求 %(target)s"),
    "forward.demand_withdraw": _("%(person)s 撤回了远期需求 %(target)s"),
    "forward.demand_decline": _("%(person)s 未接受远期需求 %(target)s"),
    "forward.contract_make": _("%(person)s 签订了中远期合同 %(target)s"),
    "forward.contract_convert": _("中远期合同 %(target)s 已转为交割订单（%(person)s）"),
    "forward.margin_release": _("中远期合同 %(target)s 的卖方保证金已退还"),
    "forward.contract_complete": _("中远期合同 %(target)s 已交割完成"),
    "forward.contract_default": _("中远期合同 %(target)s 违约，保证金按约罚没"),
    "forward.contract_cancel": _("中远期合同 %(target)s 已取消"),
    # group buys
    "groupbuy.create": _("%(person)s 新建了团购 %(target)s"),
    "groupbuy.update": _("%(person)s 修改了团购 %(target)s"),
    "groupbuy.publish": _("%(person)s 发布了团购 %(target)s"),
    "groupbuy.cancel": _("%(person)s 取消了团购 %(target)s"),
    "groupbuy.commit": _("%(person)s 认购了团购 %(target)s"),
    "groupbuy.commit_change": _("%(person)s 修改了团购 %(target)s 的认购量"),
    "groupbuy.withdraw": _("%(person)s 退出了团购 %(target)s"),
    "groupbuy.succeed": _("团购 %(target)s 已成团，订单已生成（%(person)s）"),
    "groupbuy.fail": _("团购 %(target)s 未成团，保证金已退还（%(person)s）"),
    "groupbuy.deposit_apply": _("团购 %(target)s 的一笔保证金已抵扣货款（%(person)s）"),
    "groupbuy.deposit_forfeit": _("团购 %(target)s 的一笔保证金因未付款被罚没（%(person)s）"),
    # warehouses, lots, releases, receipts (logistics)
    "warehouse.create": _("%(person)s 开设了仓库 %(target)s"),
    "storage_policy.set": _("%(person)s 设置了仓库 %(target)s 的仓储计费规则"),
    "inbound.book": _("%(person)s 预约了入库 %(target)s"),
    "inbound.cancel": _("%(person)s 取消了入库预约 %(target)s"),
    "lot.receive": _("%(person)s 收货入库，生成货批 %(target)s"),
    "lot.list": _("%(person)s 将货批 %(target)s 挂牌销售"),
    "lot.document_add": _("%(person)s 为货批 %(target)s 上传了照片或单据"),
    "lot.listing_add": _("%(person)s 从货批 %(target)s 增加了挂牌数量"),
    "lot.unlist": _("%(person)s 撤回了货批 %(target)s 的挂牌，未售出的数量回到货批"),
    "release.request": _("%(person)s 开具了提货出库单 %(target)s"),
    "release.sale": _("订单付款后生成了销售出库单 %(target)s"),
    "release.cancel": _("出库单 %(target)s 已撤销（%(person)s）"),
    "release.execute": _("%(person)s 按出库单 %(target)s 出库，收取仓储费"),
    "stocktake.record": _("%(person)s 完成了盘点 %(target)s"),
    "stocktake.adjust": _("%(person)s 按盘点差异调整了货批 %(target)s 的账面数量"),
    "receipt.issue": _("%(person)s 签发了仓单 %(target)s"),
    "receipt.transfer": _("仓单 %(target)s 已转让（%(person)s）"),
    "receipt.pledge": _("%(person)s 质押了仓单 %(target)s"),
    "receipt.unpledge": _("%(person)s 解除了仓单 %(target)s 的质押"),
    "receipt.cancel": _("%(person)s 注销了仓单 %(target)s"),
    # transport (logistics)
    "lane.create": _("%(person)s 添加了运价线路 %(target)s"),
    "lane.update": _("%(person)s 修改了运价线路 %(target)s"),
    "lane.activate": _("%(person)s 启用了运价线路 %(target)s"),
    "lane.deactivate": _("%(person)s 停用了运价线路 %(target)s"),
    "shipment.create": _("%(person)s 创建了运输单 %(target)s"),
    "shipment.depart": _("%(person)s 办理了运输单 %(target)s 的起运出库"),
    "shipment.update": _("%(person)s 更新了运输单 %(target)s 的在途动态"),
    "shipment.arrive": _("%(person)s 确认运输单 %(target)s 的货物已到达"),
    "shipment.receive": _("%(person)s 将运输单 %(target)s 的货物收货入库"),
    "shipment.cancel": _("%(person)s 取消了运输单 %(target)s"),
    # commission (fieldsales)
    "commission.plan_create": _("%(person)s 新增了%(target)s"),
    "commission.plan_update": _("%(person)s 修改了%(target)s"),
    "commission.plan_assign": _("%(person)s 调整了地推人员的%(target)s"),
    "commission.statement_draft": _("生成了分润对账单 %(target)s 的草稿（%(person)s）"),
    "commission.statement_drop": _("分润对账单 %(target)s 的草稿已无明细，已删除（%(person)s）"),
    "commission.statement_issue": _("%(person)s 确认了分润对账单 %(target)s"),
    "commission.statement_pay": _("%(person)s 发放了分润对账单 %(target)s"),
    # field sales: markets, targets, reps, visits, reasons (fieldsales)
    "company.open_for_boss": _("%(person)s 为 %(target)s 开户并邀请了老板"),
    "target_market.create": _("%(person)s 创建了目标市场 %(target)s"),
    "target_market.update": _("%(person)s 修改了目标市场 %(target)s"),
    "target.import": _("%(person)s 向目标市场 %(target)s 导入了目标企业"),
    "target.create": _("%(person)s 添加了目标企业 %(target)s"),
    "target.assign": _("%(person)s 分配了目标企业 %(target)s"),
    "target.open_account": _("%(person)s 为目标企业 %(target)s 开户"),
    "key_person.set": _("%(person)s 记录了目标企业 %(target)s 的关键人"),
    "reason_record.create": _("%(person)s 记录了目标企业 %(target)s 的未达成原因"),
    "visit.create": _("%(person)s 记录了拜访 %(target)s"),
    "field_rep.create": _("%(person)s 登记了地推人员 %(target)s"),
    "field_rep.update": _("%(person)s 修改了地推人员 %(target)s"),
    "reason.create": _("%(person)s 添加了未达成原因 %(target)s"),
    "reason.update": _("%(person)s 修改了未达成原因 %(target)s"),
}
GENERIC = _("%(person)s 修改了 %(target)s")

# What a target is called when it cannot be shown as a link (not visible, gone, or a
# kind without a page): never its id.
KIND_NAMES: dict[str, Promise] = {
    "post": _("一个帖子"),
    "board": _("一个版块"),
    "word": _("一个敏感词"),
    "order": _("一张订单"),
    "auction": _("一场拍卖"),
    "warehouse": _("一个仓库"),
    "inbound": _("一张入库预约"),
    "lot": _("一个货批"),
    "release": _("一张出库单"),
    "stocktake": _("一次盘点"),
    "receipt": _("一张仓单"),
    "shipment": _("一张运输单"),
    "lane": _("一条运输线路"),
    "target_market": _("一个目标市场"),
    "target": _("一家目标企业"),
    "visit": _("一次拜访"),
    "field_rep": _("一位地推人员"),
    "reason": _("一条未达成原因"),
    "quote": _("一份报价单"),
    "invoice": _("一张发票"),
    "rfq": _("一份询价单"),
    "inquiry": _("一条询盘"),
    "intent": _("一笔付款"),
    "payout": _("一笔提现"),
    "receivable": _("一笔应收款"),
    "credit_line": _("一位客户"),
    "customer": _("一位客户"),
    "contact": _("一位联系人"),
    "membership": _("一位成员"),
    "person": _("一位成员"),
    "user": _("一位成员"),
    "company": _("企业"),
    "verification": _("认证资料"),
    "invitation": _("一份邀请"),
    "role": _("一个角色"),
    "token": _("一个令牌"),
    "approval": _("一项审批"),
    "approval_rule": _("一条规则"),
    "product": _("一个商品"),
    "sku": _("一个规格"),
    "listing": _("一个挂牌"),
    "price_list": _("一份价格表"),
    "customer_class": _("一个客户等级"),
    "customer_price": _("一条客户价"),
    "freight_rate": _("一条运费"),
    "bank_statement": _("一份流水"),
    "bank_line": _("一条流水"),
    "category": _("一个类目"),
    "market": _("一个市场"),
    "import": _("一次导入"),
    "grade": _("一个会员等级"),
    "appeal": _("一份等级申诉"),
    "grades": _("会员等级"),
    "paid_membership": _("一笔会员费"),
    "proposal": _("一条聚合建议"),
    "proposals": _("聚合建议"),
    "forward": _("一份中远期报盘"),
    "forwarddemand": _("一条远期需求"),
    "forwardcontract": _("一份中远期合同"),
    "groupbuy": _("一个团购"),
    "commission": _("一份分润对账单"),
    "commission_plan": _("分润方案"),
    "standing": _("一张定期订单"),
    "push": _("一张推单"),
}
SOMETHING = _("一项资料")


@dataclass(frozen=True)
class Link:
    label: str
    url: str = ""
    party: str = ""  # the counterpart company, for trading documents


@dataclass(frozen=True)
class Sentence:
    entry: AuditEntry
    html: SafeString
    party: str


def _other(actor: Actor, a: Any, b: Any) -> str:
    """The short name of whichever of the two companies is not the actor's."""
    mine = actor.company.pk if actor.company is not None else None
    other = b if getattr(a, "pk", None) == mine else a
    return getattr(other, "short_name", "") or ""


def _safe(queryset: Callable[[], QuerySet[Any]]) -> QuerySet[Any] | None:
    try:
        return queryset()
    except DomainError:  # the actor may not read this kind at all
        return None


Resolver = Callable[[Actor, list[Any]], dict[Any, Link]]


def _by_id(
    reader: Callable[[], QuerySet[Any]], ids: list[Any], link: Callable[[Any], Link]
) -> dict[Any, Link]:
    rows = _safe(reader)
    if rows is None:
        return {}
    return {row.public_id: link(row) for row in rows.filter(public_id__in=ids)}


def _orders(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: orders_visible_to(actor),
        ids,
        lambda o: Link(
            o.number, reverse("order-detail", args=[o.public_id]), _other(actor, o.seller, o.buyer)
        ),
    )


def _quotes(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: quotes_visible_to(actor),
        ids,
        lambda q: Link(
            q.number,
            reverse("quote-detail", args=[q.public_id]),
            _other(actor, q.seller, q.buyer),
        ),
    )


def _invoices(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: invoices_visible_to(actor),
        ids,
        lambda i: Link(
            i.number,
            reverse("invoice-detail", args=[i.public_id]),
            _other(actor, i.seller, i.buyer),
        ),
    )


def _rfqs(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: rfqs_visible_to(actor),
        ids,
        lambda r: Link(
            r.number, reverse("rfq-detail", args=[r.public_id]), _other(actor, r.buyer, None)
        ),
    )


def _inquiries(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: inquiries_visible_to(actor),
        ids,
        lambda i: Link(
            i.number,
            reverse("inquiry-detail", args=[i.public_id]),
            _other(actor, i.seller, i.buyer),
        ),
    )


def _intents(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: intents_visible_to(actor),
        ids,
        lambda i: Link(
            money(i.amount, i.currency),
            reverse("payment-intent", args=[i.public_id]),
            _other(actor, i.payer, i.payee),
        ),
    )


def _payouts(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: payouts_visible_to(actor),
        ids,
        lambda p: Link(money(p.amount, p.currency), reverse("wallet")),
    )


def _credit_lines(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: credit_lines_visible_to(actor),
        ids,
        lambda c: Link(_other(actor, c.seller, c.buyer), reverse("credit-lines")),
    )


def _customers(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: customers_visible_to(actor),
        ids,
        lambda c: Link(c.name, reverse("customer-detail", args=[c.public_id])),
    )


def _contacts(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: contacts_visible_to(actor).select_related("customer"),
        ids,
        lambda c: Link(c.name, reverse("customer-detail", args=[c.customer.public_id])),
    )


def _members(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: members_visible_to(actor),
        ids,
        lambda m: Link(m.person.display_name, reverse("members")),
    )


def _people(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    seats = _safe(lambda: members_visible_to(actor))
    if seats is None:
        return {}
    return {
        m.person.public_id: Link(m.person.display_name, reverse("members"))
        for m in seats.filter(person__public_id__in=ids)
    }


def _approvals(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: approval_requests_visible_to(actor),
        ids,
        lambda a: Link(a.title, reverse("approval-detail", args=[a.public_id])),
    )


def _approval_rules(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: approval_rules_visible_to(actor),
        ids,
        lambda r: Link(r.name, reverse("approval-rule-edit", args=[r.public_id])),
    )


def _products(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: products_of(actor),
        ids,
        lambda p: Link(p.name, reverse("seller-product", args=[p.public_id])),
    )


def _skus(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: skus_of(actor).select_related("product"),
        ids,
        lambda s: Link(
            f"{s.product.name} {s.name}", reverse("seller-product", args=[s.product.public_id])
        ),
    )


def _listing_name(listing: Any) -> str:
    return f"{listing.sku.product.name} {listing.sku.name}"


def _listings(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    """The company's own listings (its catalog page), then the market's (a cart line)."""
    found = _by_id(
        lambda: listings_of(actor).select_related("sku__product"),
        ids,
        lambda x: Link(_listing_name(x), reverse("seller-listing", args=[x.public_id])),
    )
    rest = [public_id for public_id in ids if public_id not in found]
    if rest:
        found.update(
            _by_id(
                lambda: listings_public().select_related("sku__product", "seller"),
                rest,
                lambda x: Link(
                    _listing_name(x),
                    reverse("listing-detail", args=[x.public_id]),
                    x.seller.short_name,
                ),
            )
        )
    return found


def _tokens(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    """The reader's own tokens only (a colleague's token stays unnamed)."""
    return _by_id(lambda: tokens_of(actor), ids, lambda t: Link(t.name, reverse("tokens")))


def _roles(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(lambda: custom_roles_of(actor), ids, lambda r: Link(r.name, reverse("roles")))


def _invitations(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: invitations_of(actor),
        ids,
        lambda i: Link(i.email or str(_("邀请链接")), reverse("members")),
    )


def _companies(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    company = actor.company
    if company is None or company.public_id not in ids:
        return {}
    return {company.public_id: Link(company.legal_name, reverse("company-profile"))}


def _posts(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    """Visible community posts (a hidden one stays unnamed)."""
    return _by_id(
        lambda: posts_visible_to(actor),
        ids,
        lambda p: Link(p.title, reverse("community-post", args=[p.public_id])),
    )


def _boards(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: boards_visible_to(actor),
        ids,
        lambda b: Link(b.display_name, reverse("community-board", args=[b.public_id])),
    )


def _auctions(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: auctions_visible_to(actor),
        ids,
        lambda a: Link(a.number, reverse("auction-detail", args=[a.public_id])),
    )


def _groupbuys(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: groupbuys_visible_to(actor),
        ids,
        lambda g: Link(g.number, reverse("groupbuy-detail", args=[g.public_id])),
    )


def _warehouses(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: warehouses_visible_to(actor),
        ids,
        lambda w: Link(w.display_name, reverse("logistics-warehouse", args=[w.public_id])),
    )


def _inbounds(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: inbounds_visible_to(actor),
        ids,
        lambda i: Link(i.number, reverse("logistics-inbound", args=[i.public_id])),
    )


def _stocktakes(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: stocktakes_visible_to(actor),
        ids,
        lambda t: Link(t.number, reverse("logistics-stocktake", args=[t.public_id])),
    )


def _receipts(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    """Warehouse receipts the actor still sees (a former holder's stays unnamed)."""
    return _by_id(
        lambda: receipts_visible_to(actor),
        ids,
        lambda r: Link(r.number, reverse("logistics-receipt", args=[r.public_id])),
    )


def _shipments(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: shipments_visible_to(actor),
        ids,
        lambda s: Link(s.number, reverse("logistics-shipment", args=[s.public_id])),
    )


def _lanes(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: lanes_visible_to(actor),
        ids,
        lambda lane: Link(
            f"{lane.display_from} → {lane.display_to} {lane.get_mode_display()}",
            reverse("logistics-lanes"),
        ),
    )


def _commission_statements(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: statements_visible_to(actor),
        ids,
        lambda s: Link(
            f"{s.period:%Y-%m} {s.rep.name}", reverse("fieldsales-statement", args=[s.public_id])
        ),
    )


def _standing_orders(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: standing_orders_visible_to(actor),
        ids,
        lambda s: Link(
            f"{s.listing.sku.product.name} {s.listing.sku.name}", reverse("standing-orders")
        ),
    )


def _pushes(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: pushes_visible_to(actor),
        ids,
        lambda p: Link(
            f"{p.listing.sku.product.name} {p.listing.sku.name}",
            reverse("push-detail", args=[p.public_id]),
        ),
    )


def _target_markets(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: markets_visible_to(actor),
        ids,
        lambda m: Link(m.name, reverse("fieldsales-market", args=[m.public_id])),
    )


def _targets(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: targets_visible_to(actor),
        ids,
        lambda t: Link(t.name, reverse("fieldsales-target", args=[t.public_id])),
    )


def _visits(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: visits_visible_to(actor),
        ids,
        lambda v: Link(
            f"{v.target.name} {v.visited_on:%Y-%m-%d}",
            reverse("fieldsales-target", args=[v.target.public_id]),
        ),
    )


def _field_reps(actor: Actor, ids: list[Any]) -> dict[Any, Link]:
    return _by_id(
        lambda: reps_visible_to(actor), ids, lambda r: Link(r.name, reverse("fieldsales-reps"))
    )


RESOLVERS: dict[str, Resolver] = {
    "warehouse": _warehouses,
    "inbound": _inbounds,
    "stocktake": _stocktakes,
    "receipt": _receipts,
    "shipment": _shipments,
    "lane": _lanes,
    "auction": _auctions,
    "groupbuy": _groupbuys,
    "post": _posts,
    "board": _boards,
    "order": _orders,
    "quote": _quotes,
    "invoice": _invoices,
    "rfq": _rfqs,
    "inquiry": _inquiries,
    "intent": _intents,
    "payout": _payouts,
    "credit_line": _credit_lines,
    "customer": _customers,
    "contact": _contacts,
    "membership": _members,
    "person": _people,
    "user": _people,
    "approval": _approvals,
    "approval_rule": _approval_rules,
    "product": _products,
    "sku": _skus,
    "listing": _listings,
    "company": _companies,
    "token": _tokens,
    "role": _roles,
    "invitation": _invitations,
    "commission": _commission_statements,
    "standing": _standing_orders,
    "push": _pushes,
    "target_market": _target_markets,
    "target": _targets,
    "visit": _visits,
    "field_rep": _field_reps,
}


def _split(target: str) -> tuple[str, Any]:
    kind, _sep, rest = target.partition(":")
    return kind, parse_public_id(rest)


def sentence_for(action: str) -> Promise:
    return SENTENCES.get(action, GENERIC)


def render(action: str, person: str, link: Link | None, kind: str) -> SafeString:
    """One sentence as HTML: every value escaped, the target a link when it has one."""
    if link is None:
        target = conditional_escape(str(KIND_NAMES.get(kind, SOMETHING)))
    elif link.url:
        target = format_html('<a href="{}">{}</a>', link.url, link.label)
    else:
        target = conditional_escape(link.label)
    template = conditional_escape(str(sentence_for(action)))
    html = str(template) % {"person": conditional_escape(person), "target": target}
    return mark_safe(html)  # noqa: S308 -- the sentence and every value are escaped


def describe_entries(actor: Actor, entries: Iterable[AuditEntry]) -> list[Sentence]:
    """The entries as sentences, their targets resolved one query per kind, scoped to
    the actor."""
    entries = list(entries)
    wanted: dict[str, list[Any]] = defaultdict(list)
    for entry in entries:
        kind, public_id = _split(entry.target)
        if public_id is not None and kind in RESOLVERS:
            wanted[kind].append(public_id)
    links: dict[tuple[str, Any], Link] = {}
    for kind, ids in wanted.items():
        for public_id, link in RESOLVERS[kind](actor, ids).items():
            links[(kind, public_id)] = link
    system = str(_("系统"))
    result = []
    for entry in entries:
        kind, public_id = _split(entry.target)
        link = links.get((kind, public_id))
        person = entry.person.display_name if entry.person_id else system
        result.append(
            Sentence(entry, render(entry.action, person, link, kind), link.party if link else "")
        )
    return result
