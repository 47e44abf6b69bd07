from tests.e2e.conftest import log_in
from portal.demo import DEMO_PASSWORD
def test_probe(demo, new_context):
    page = new_context(viewport={"width":390,"height":844}).new_page()
    log_in(page, "admin@example.com", DEMO_PASSWORD)
    page.goto("/admin/people")
    print(page.evaluate("""() => { const f = document.querySelector('form.search'); const r = f.getBoundingClientRect(); return [r.left, r.right, getComputedStyle(f).flexWrap, ...Array.from(f.children).map(c => { const b = c.getBoundingClientRect(); return c.tagName + ' ' + Math.round(b.left) + '-' + Math.round(b.right) + ' top ' + Math.round(b.top) + ' ' + getComputedStyle(c).position; })]; }"""))
