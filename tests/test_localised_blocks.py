"""Every block on a site in Simplified or Traditional Chinese: no English word of the interface
reaches a reader, in the page, its charts (SVG and spec), tables, downloads or what screen
readers hear; numbers and dates are written the Chinese way."""
from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache

import pytest
from babel.messages.pofile import read_po

from blocksite import build
from cxsite.i18n import PACKAGE_LOCALES

pytestmark = pytest.mark.slow

DEFS = """\
- kpi: nps
  name: {en: Net Promoter Score, zh-Hans: 净推荐值, zh-Hant: 淨推薦值}
  unit: points
  direction: higher
  target: 30
  decimals: 0
  source: {en: Customer survey, zh-Hans: 客户调查, zh-Hant: 客戶調查}
  from: nps_responses.csv
- kpi: retention
  name: {en: Customer retention, zh-Hans: 客户留存率, zh-Hant: 客戶留存率}
  unit: "%"
  direction: higher
  target: 90
  source: {en: Customer database, zh-Hans: 客户数据库, zh-Hant: 客戶資料庫}
  from: kpi_monthly.csv
- kpi: wait
  name: {en: Waiting time, zh: 等候时间, zh-Hant: 等候時間}
  unit: days
  direction: lower
  target: 2
  from: kpi_monthly.csv
"""
MONTHLY = """\
kpi,period,value
retention,2025-12,88.5
retention,2026-01,89.1
retention,2026-02,89.0
retention,2026-03,90.2
wait,2026-02,3.5
wait,2026-03,2.5
"""


def responses() -> str:
    rows = ["date,score,segment"]
    plan = {"2026-01": (30, 12), "2026-02": (30, 4), "2026-03": (40, 15)}  # Business small in Feb
    for month, (home, business) in plan.items():
        for i in range(home):
            rows.append(f"{month}-{i % 28 + 1:02d},{(0, 6, 8, 9, 10)[i % 5]},Residential")
        for i in range(business):
            rows.append(f"{month}-{i % 28 + 1:02d},{(9, 10, 7, 3)[i % 4]},Business")
    return "\n".join(rows) + "\n"


ROADMAP = """\
id,workstream,item,type,start,end,status,owner,progress,depends_on
P1,Programme,Foundations,phase,2025-02-01,2025-08-31,done,Director,100,
P2,Programme,Results,phase,2025-09-01,2026-10-31,on-track,Director,40,P1
A1,Feedback,NPS surveys,initiative,2025-02-03,2025-07-31,done,Insight,100,
A2,Feedback,Inner loop,initiative,2025-09-01,2026-04-30,at-risk,Operations,55,A1
A3,Feedback,Dashboard,initiative,2025-12-01,2026-02-27,late,Insight,80,A1
M1,Feedback,First results,milestone,2025-08-14,,done,Insight,100,A1
B1,People,Champions,initiative,2025-09-01,2026-03-31,on-track,HR,85,
M2,People,Playbook launch,milestone,2026-06-01,,planned,HR,,"B1, A2"
"""
ROADMAP_LABELS = ("{Programme: 总体计划, Foundations: 打基础, Results: 出成果, Feedback: 客户反馈, "
                  "NPS surveys: NPS 调查, Inner loop: 内循环, Dashboard: 仪表板, First results: 首批成果, "
                  "People: 人员, Champions: 客户体验倡导者, Playbook launch: 发布行动手册, Director: 总监, "
                  "Insight: 洞察团队, Operations: 运营部, HR: 人力资源部}")
SURVEY = """\
statement,country,value,n
I know what my company stands for,UK,56,1200
I know what my company stands for,Germany,52,1100
I know what my company stands for,Europe,54,2300
I know what my company stands for,Tiny,73,4
My company delivers on its promise,UK,29,1200
My company delivers on its promise,Germany,34,1100
My company delivers on its promise,Europe,31,2300
My company delivers on its promise,Tiny,61,4
"""
SURVEY_LABELS = ("{country: 国家, UK: 英国, Germany: 德国, Europe: 欧洲, Tiny: 小团队, "
                 "I know what my company stands for: 我了解公司的立场, "
                 "My company delivers on its promise: 公司兑现了承诺}")
LIKERT = """\
statement,department,response,count
I know what we stand for,Sales,Disagree,5
I know what we stand for,Sales,Agree,25
I know what we stand for,IT,Disagree,8
I know what we stand for,IT,Agree,14
"""
LIKERT_LABELS = ("{department: 部门, Sales: 销售部, IT: 信息技术部, Disagree: 不同意, Agree: 同意, "
                 "I know what we stand for: 我了解我们的立场}")
CHANNELS = """\
month,channel,value
2026-01,Phone,1200
2026-02,Phone,1180
2026-03,Phone,990
2026-01,Email,310
2026-02,Email,420
2026-03,Email,515
"""
PAGE = f"""\
---
title: 客户体验仪表板
---
我们的净推荐值为 {{{{kpi nps}}}}，三月份电话联系 {{{{value data=channels.csv column=value channel=Phone month=2026-03}}}} 次。

## 关键指标

```kpi
show: [nps, retention, wait]
```

```kpi
show: nps
chart: true
by: segment
labels: {{segment: 客户类型, Business: 企业客户, Residential: 家庭客户}}
```

```kpi
show: retention
chart: true
```

## 路线图

```roadmap
data: roadmap.csv
title: 项目路线图
labels: {ROADMAP_LABELS}
```

## 调查结果

```survey
data: survey.csv
by: country
reference: Europe
title: 员工调查结果
labels: {SURVEY_LABELS}
```

```survey
data: survey.csv
by: country
view: heat
title: 员工调查热力表
labels: {SURVEY_LABELS}
```

```survey
data: likert.csv
by: department
title: 员工回答分布
labels: {LIKERT_LABELS}
```

## 图表

```chart
data: channels.csv
mark: line
x: {{field: month, title: 月份}}
y: {{field: value, title: 联系次数}}
color: {{field: channel, title: 渠道}}
labels: {{Phone: 电话, Email: 电子邮件}}
title: 各渠道联系次数
target: 1000
```

```chart
data: channels.csv
mark: bar
x: {{field: channel, title: 渠道}}
y: {{field: value, title: 联系次数, aggregate: sum}}
labels: {{Phone: 电话, Email: 电子邮件}}
title: 各渠道联系总数
```
"""

# Words a Chinese reader meets on purpose: names of formats and of the programme's measures
ALLOWED = {"CSV", "SVG", "PNG", "NPS", "KPI", "JavaScript", "Vega"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")
_SPOKEN = re.compile(r'\b(aria-label|title|alt|placeholder|aria-roledescription)="([^"]*)"')
_SPEC = re.compile(r'<script type="application/json" class="cx-chart-spec">(.*?)</script>', re.S)


def site_files(site, lang: str) -> dict[str, bytes]:
    return build(site({
        "cxsite.yaml": f"title: 客户至上\nlanguage: {lang}\ntoday: 2026-03-15\n",
        "content/index.md": PAGE,
        "data/kpi_definitions.yaml": DEFS,
        "data/kpi_monthly.csv": MONTHLY,
        "data/nps_responses.csv": responses(),
        "data/roadmap.csv": ROADMAP,
        "data/survey.csv": SURVEY,
        "data/likert.csv": LIKERT,
        "data/channels.csv": CHANNELS,
    }))


def spec_strings(node, key: str = "") -> list[str]:
    """The strings of a chart spec a reader can see: titles, texts and descriptions anywhere,
    and every text cell of its data (tooltips and labels show them)."""
    if isinstance(node, dict):
        found = []
        for k, v in node.items():
            if k == "datasets":
                found += [c for rows in v.values() for row in rows for c in row.values() if isinstance(c, str)]
            elif k == "data" and isinstance(v, dict) and isinstance(v.get("values"), list):
                found += [c for row in v["values"] if isinstance(row, dict)
                          for c in row.values() if isinstance(c, str)]
            else:
                found += spec_strings(v, k)
        return [f for f in found if not re.fullmatch(r"[\d\-:T.]+", f)]  # ISO dates, numbers
    if isinstance(node, list):
        return [s for v in node for s in spec_strings(v, key)]
    if isinstance(node, str) and key in ("title", "text", "description", "subtitle"):
        return [node]
    return []


def reader_texts(files: dict[str, bytes]) -> dict[str, str]:
    """What readers meet, per file: page text and SVG text, spoken attributes, chart titles,
    labels and data, and the header of each CSV download."""
    found = {}
    for path, data in files.items():
        if path.endswith(".html"):
            page = data.decode("utf-8")
            specs = [json.loads(s) for s in _SPEC.findall(page)]
            body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
            text = re.sub(r"<[^>]+>", " ", body)
            spoken = [v for _, v in _SPOKEN.findall(body)]
            found[path] = " | ".join([text, *spoken, *(s for spec in specs for s in spec_strings(spec))])
        elif path.endswith(".csv"):
            found[path] = " | ".join(next(csv.reader(io.StringIO(data.decode("utf-8")))))
    return found


@lru_cache(maxsize=1)
def english_messages() -> list[str]:
    """The English of every message in the catalogue, cut at its placeholders."""
    with (PACKAGE_LOCALES / "messages.pot").open("rb") as f:
        pot = read_po(f)
    parts = set()
    for m in pot:
        for msgid in (m.id if isinstance(m.id, (list, tuple)) else [m.id]):
            for part in re.split(r"%\(\w+\)[sd]|<[^>]+>", msgid or ""):
                part = part.strip(" .,:;()…“”")
                if _WORD.search(part) and part not in ALLOWED:
                    parts.add(part)
    return sorted(parts)


@pytest.fixture(scope="module", params=["zh-Hans", "zh-Hant"])
def chinese(request, tmp_path_factory):
    from conftest import write_site

    root = tmp_path_factory.mktemp(request.param)
    return request.param, site_files(lambda files: write_site(root, files), request.param)


def test_no_message_of_the_catalogue_stays_english(chinese):
    lang, files = chinese
    leaks = {path: [m for m in english_messages() if re.search(rf"(?<![A-Za-z]){re.escape(m)}(?![A-Za-z])", text)]
             for path, text in reader_texts(files).items()}
    assert {p: m for p, m in leaks.items() if m} == {}


def test_no_english_word_at_all(chinese):
    lang, files = chinese
    words = {path: sorted(set(_WORD.findall(text)) - ALLOWED) for path, text in reader_texts(files).items()}
    assert {p: w for p, w in words.items() if w} == {}


def test_numbers_dates_and_units_are_chinese(chinese):
    lang, files = chinese
    page = reader_texts(files)["index.html"]
    assert "2026年3月" in page  # the latest month of the KPI cards
    assert "1,200" in page  # grouped as Chinese groups numbers
    assert "分" in page and ("个百分点" if lang == "zh-Hans" else "個百分點") in page
    assert "2026年3月15日" in page  # the roadmap's "today"
    assert re.search(r"\d+%", page)
