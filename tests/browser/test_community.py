"""The merchant community in a real Chromium, on a desktop and on a phone (390 px): the
food factory's buyer opens the sugar board from the home page's community block, posts,
the sugar mill's sales clerk replies, and the buyer sees the reply and a notification.
Before posting, the buyer looks at his grade: his badge and what the next grade needs.
Nothing breaks the Content-Security-Policy and <main> never scrolls sideways."""

import pytest
from playwright.sync_api import Browser, Page, expect

from mercator.community.models import Post, Reply
from mercator.demo.build import demo_build
from mercator.demo.services import DEMO_PASSWORD

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
BUYER = "buyer@foodfactory.demo"
SALES = "sales@sugarmill.demo"

# What sticks out of the viewport inside <main>, except what a scrolling box (a table's
# .table-wrap) holds inside the screen.
MAIN_OVERFLOWS = """() => {
  const width = window.innerWidth;
  const clipped = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible"
          && up.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  return [...document.querySelectorAll('main *')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5 && !clipped(el))
    .map(el => el.tagName + '.' + el.className);
}"""


def _page(browser: Browser, viewport: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[viewport])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda m: (
            page.csp_violations.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    return page


def _sign_in(page: Page, url, email: str) -> None:
    page.goto(url("/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(url("/"))


def _fits(page: Page, where: str) -> None:
    assert page.evaluate(MAIN_OVERFLOWS) == [], f"{where}: <main> overflows"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_buyer_posts_on_the_sugar_board_and_the_mill_replies(browser: Browser, url, viewport):
    demo_build()
    title = f"求购一级白砂糖 50 吨（{viewport}）"

    buyer = _page(browser, viewport)
    _sign_in(buyer, url, BUYER)
    # His grade first: the badge he holds in the sugar market and what the next one needs.
    buyer.goto(url("/membership/"))
    sugar = buyer.locator('[data-testid="standing"][data-market="sugar"]')
    expect(sugar.locator(".grade-badge")).to_have_text("银牌")
    expect(sugar.get_by_test_id("next-grade")).to_contain_text("升到金牌需要")
    expect(sugar.get_by_test_id("next-grade")).to_contain_text("还差")
    expect(sugar.get_by_test_id("privileges")).to_be_visible()
    _fits(buyer, "my grades")
    buyer.goto(url("/"))
    block = buyer.get_by_test_id("community-home")
    expect(block).to_be_visible()
    expect(block.get_by_test_id("community-home-item").first).to_contain_text("市场快讯")
    block.get_by_test_id("community-home-link").click()
    buyer.get_by_test_id("board-link").filter(has_text="食糖").click()
    expect(buyer.get_by_test_id("board-name")).to_have_text("食糖")
    expect(buyer.get_by_test_id("post-row").first).to_contain_text("市场快讯")  # pinned
    _fits(buyer, "sugar board")
    buyer.get_by_test_id("new-post").click()
    buyer.fill("#post-title", title)
    buyer.fill("#post-body", "12月中旬要货，送到广州，请 @李小龙 报个价。<b>不要</b>加粗")
    buyer.get_by_test_id("post-submit").click()
    expect(buyer.get_by_test_id("post-title")).to_contain_text(title)
    expect(buyer.get_by_test_id("post-body")).to_contain_text("<b>不要</b>加粗")  # as text
    expect(buyer.get_by_test_id("author").first.locator(".grade-badge")).to_have_text("银牌")
    _fits(buyer, "post")
    post = Post.objects.get(title=title)

    sales = _page(browser, viewport)
    _sign_in(sales, url, SALES)
    sales.goto(url(f"/community/posts/{post.public_id}/"))
    expect(sales.get_by_test_id("author").first).to_contain_text("华南食品")
    sales.fill("#reply-body", "王采购您好，一级白砂糖送到广州每吨 6,380 元，12 月 15 日前发货。")
    sales.get_by_test_id("reply-submit").click()
    expect(sales.get_by_test_id("reply").last).to_contain_text("6,380")
    assert Reply.objects.filter(post=post).count() == 1

    buyer.reload()
    expect(buyer.get_by_test_id("reply").last).to_contain_text("崇左糖厂")
    expect(buyer.get_by_test_id("reply").last).to_contain_text("6,380")
    buyer.goto(url("/notifications/"))
    expect(buyer.locator("main")).to_contain_text("回复了您的帖子")
    expect(buyer.locator("main")).to_contain_text(title)
    _fits(buyer, "notifications")
    for page in (buyer, sales):
        assert page.csp_violations == []
        page.context.close()
