"""The platform's read-only dashboard (issue 14): GET /dashboard, data behind the operator's token.

    GET /dashboard                 the page: HTML, CSS and script only, no data, no token needed
    GET /dashboard/data?day=D      JSON for local day D (default today in --tz), admin token only

The page takes the operator's token from the address's fragment (`/dashboard#token=...`: a
fragment never leaves the browser, so it is in no server log) or from its sign-in field, keeps
it in sessionStorage, and fetches the data with `Authorization: Bearer`. It shows the fleet
(stale terminals and broken chains first), today's counts, scans per hour by outcome (an SVG
chart drawn by the page: no script or font from elsewhere, the platform may be offline),
disputes, chain breaks and the substitution rate; Chinese first, an English toggle.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .platform import STALE_AFTER, Platform
from .report import BUCKET_MS, DEFAULT_TZ, _bounds, build_report, outcome_of, zone

OUTCOMES = ("valid", "invalid", "not_checked")


def hourly(plat: Platform, day: date, tz: str = DEFAULT_TZ) -> list[dict]:
    """Scans per local hour of `day` by outcome: [{"hour": 0, "valid": n, ...}, ...] (24 or 23/25 rows
    on a daylight-saving day: one per hour that day has)."""
    zi = zone(tz)
    lo, hi = _bounds(day, day, zi)
    hours: dict[str, dict[str, int]] = {}
    t = lo
    while t < hi:                                  # the day's hours, in order, as local clock labels
        hours.setdefault(datetime.fromtimestamp(t / 1000, zi).strftime("%H"), {o: 0 for o in OUTCOMES})
        t += 3600_000
    b = f"ts_ms / {BUCKET_MS}"
    for bucket, valid, reason, n in plat.store.read(
            f"SELECT {b}, valid, reason, count(*) FROM events WHERE kind = 'scan' AND ts_ms >= ? AND ts_ms < ? "
            f"GROUP BY {b}, valid, reason", (lo, hi)):
        label = datetime.fromtimestamp(bucket * BUCKET_MS / 1000, zi).strftime("%H")
        hours.setdefault(label, {o: 0 for o in OUTCOMES})[outcome_of(valid, reason)] += n
    return [{"hour": h, **c} for h, c in hours.items()]


def dashboard_data(plat: Platform, day: date | None = None, *, tz: str = DEFAULT_TZ, now: int | None = None,
                   stale_after: int = STALE_AFTER) -> dict[str, Any]:
    zi = zone(tz)
    fleet = plat.fleet(now=now, stale_after=stale_after)
    day = day or datetime.fromtimestamp(fleet["now"], zi).date()
    rep = build_report(plat, day, day, tz=tz)
    terminals = sorted(fleet["terminals"], key=lambda t: (not t["stale"], t["chain"] == "intact", t["venue"], t["terminal"]))
    return {"day": day.isoformat(), "timezone": tz, "now": fleet["now"],
            "fleet": {**{k: v for k, v in fleet.items() if k != "terminals"}, "count": len(terminals),
                      "active": sum(1 for t in terminals if not t["revoked"]), "terminals": terminals[:500]},
            "totals": rep["totals"], "outcomes": rep["scans_by"]["outcome"], "code_types": rep["scans_by"]["code_type"],
            "substitution": {k: rep["substitution"][k] for k in ("by_code", "by_hand", "rate")},
            "hourly": hourly(plat, day, tz), "disputes": rep["disputes"], "chain_breaks": plat.recent_chain_breaks(50)}


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>场所核验平台 · Venue Terminal platform</title>
<style>
[hidden]{display:none!important}
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#16325c;color:#fff;padding:12px 20px;display:flex;align-items:center;gap:16px}
header h1{font-size:20px;margin:0;flex:1} header button{font-size:14px;padding:4px 10px}
main{padding:16px 20px;display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.card{background:#fff;border-radius:6px;padding:12px 14px;box-shadow:0 1px 2px #0002}
.card .n{font-size:30px;font-weight:bold} .card .l{color:#556;font-size:13px}
.wide{grid-column:1/-1} .half{grid-column:span 2}
table{border-collapse:collapse;width:100%;font-size:13px} td,th{padding:3px 6px;border-bottom:1px solid #e3e5e8;text-align:left}
.stale{color:#b25f00;font-weight:bold} .broken{color:#b00020;font-weight:bold} .ok{color:#187a3a}
#signin{padding:20px} .legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
</style></head><body>
<header><h1 data-t="title"></h1><span id="day"></span><button id="lang">English</button></header>
<div id="signin" hidden><label data-t="token"></label> <input id="tok" type="password" size="40">
 <button id="go" data-t="signin"></button> <span id="err" class="broken"></span></div>
<main id="main" hidden>
 <div class="card"><div class="n" id="n-scans"></div><div class="l" data-t="scans"></div></div>
 <div class="card"><div class="n" id="n-valid"></div><div class="l" data-t="valid"></div></div>
 <div class="card"><div class="n" id="n-rate"></div><div class="l" data-t="rate"></div><div class="l" id="rate-detail"></div></div>
 <div class="card"><div class="n" id="n-disputes"></div><div class="l" data-t="disputes"></div></div>
 <div class="card"><div class="n" id="n-terminals"></div><div class="l" data-t="terminals"></div></div>
 <div class="card"><div class="n stale" id="n-stale"></div><div class="l" data-t="stale"></div></div>
 <div class="card"><div class="n broken" id="n-broken"></div><div class="l" data-t="broken"></div></div>
 <div class="card"><div class="n" id="n-manual"></div><div class="l" data-t="manual"></div></div>
 <div class="card wide"><div class="l" data-t="hourly"></div><svg id="chart" width="100%" height="190"></svg>
  <div class="legend l" id="legend"></div></div>
 <div class="card half"><div class="l" data-t="disputeList"></div><table id="disputes"></table></div>
 <div class="card half"><div class="l" data-t="breakList"></div><table id="breaks"></table></div>
 <div class="card wide"><div class="l" data-t="fleet"></div><table id="fleet"></table></div>
</main>
<script>
const T={zh:{title:"场所核验平台 · 运行概况",token:"运营令牌",signin:"进入",scans:"今日核验次数",valid:"有效码",
rate:"电子证照替代率",disputes:"异议",terminals:"在用终端",stale:"久未同步",broken:"链条断裂",manual:"人工查验",
hourly:"每小时核验（按结果）",disputeList:"异议（代码）",breakList:"链条断裂",fleet:"终端",
o_valid:"有效",o_invalid:"无效",o_not_checked:"未能核验",h_terminal:"终端",h_venue:"场所",h_seen:"最近同步",
h_events:"事件",h_quar:"隔离",h_chain:"链条",h_state:"状态",h_time:"时间",h_code:"代码",h_scan:"被异议的核验",
h_kind:"类型",s_ok:"正常",s_stale:"久未同步",s_revoked:"已吊销",c_intact:"完整",c_broken:"断裂",never:"从未",
bad:"令牌无效",byCode:"扫码",byHand:"人工"},
en:{title:"Venue verification platform · overview",token:"Operator token",signin:"Open",scans:"Verifications today",
valid:"Valid codes",rate:"E-certificate substitution rate",disputes:"Disputes",terminals:"Active terminals",
stale:"Not synced",broken:"Broken chains",manual:"Manual checks",hourly:"Verifications per hour by outcome",
disputeList:"Disputes (codes)",breakList:"Chain breaks",fleet:"Terminals",o_valid:"valid",o_invalid:"invalid",
o_not_checked:"not checked",h_terminal:"Terminal",h_venue:"Venue",h_seen:"Last sync",h_events:"Events",
h_quar:"Quarantined",h_chain:"Chain",h_state:"State",h_time:"Time",h_code:"Code",h_scan:"Disputed verdict",
h_kind:"Kind",s_ok:"ok",s_stale:"stale",s_revoked:"revoked",c_intact:"intact",c_broken:"broken",never:"never",
bad:"Token refused",byCode:"by code",byHand:"by hand"}};
const COLORS={valid:"#2e8b57",invalid:"#c62828",not_checked:"#f0a000"};
let lang=localStorage.getItem("vt-lang")||"zh",data=null;
const $=id=>document.getElementById(id), t=k=>T[lang][k]||k;
function esc(s){return String(s==null?"-":s).replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]))}
function lt(ms){return new Date(ms).toLocaleString(lang=="zh"?"zh-CN":"en-GB",{timeZone:data.timezone,hour12:false})}
function ago(s){if(s==null)return t("never");if(s<120)return s+"s";if(s<7200)return Math.floor(s/60)+"m";
 if(s<172800)return Math.floor(s/3600)+"h";return Math.floor(s/86400)+"d"}
function rows(id,head,list){$(id).innerHTML="<tr>"+head.map(h=>"<th>"+esc(t(h))+"</th>").join("")+"</tr>"+
 list.map(r=>"<tr>"+r.map(c=>"<td"+(c&&c.cls?' class="'+c.cls+'"':"")+">"+esc(c&&c.v!==undefined?c.v:c)+"</td>").join("")+"</tr>").join("")}
function chart(h){const svg=$("chart"),W=svg.clientWidth||900,H=170,max=Math.max(1,...h.map(x=>x.valid+x.invalid+x.not_checked));
 const bw=W/h.length;let s="";h.forEach((x,i)=>{let y=H;["valid","invalid","not_checked"].forEach(o=>{const bh=x[o]/max*(H-20);
 if(bh>0){y-=bh;s+=`<rect x="${i*bw+2}" y="${y}" width="${bw-4}" height="${bh}" fill="${COLORS[o]}"><title>${x.hour}:00 ${t("o_"+o)} ${x[o]}</title></rect>`}});
 s+=`<text x="${i*bw+bw/2}" y="${H+14}" font-size="10" text-anchor="middle">${x.hour}</text>`});svg.innerHTML=s;
 $("legend").innerHTML=["valid","invalid","not_checked"].map(o=>`<span style="background:${COLORS[o]}"></span>${esc(t("o_"+o))}`).join("")}
function render(){document.documentElement.lang=lang=="zh"?"zh-CN":"en";$("lang").textContent=lang=="zh"?"English":"中文";
 document.querySelectorAll("[data-t]").forEach(e=>e.textContent=t(e.dataset.t));if(!data)return;
 const d=data,s=d.substitution;$("day").textContent=d.day+" ("+d.timezone+")";
 $("n-scans").textContent=d.totals.scans;$("n-valid").textContent=d.outcomes.valid||0;
 $("n-rate").textContent=s.rate==null?"-":(s.rate*100).toFixed(1)+"%";
 $("rate-detail").textContent=t("byCode")+" "+s.by_code+" / "+t("byHand")+" "+s.by_hand;
 $("n-disputes").textContent=d.totals.disputes;$("n-terminals").textContent=d.fleet.active;
 $("n-stale").textContent=d.fleet.stale;$("n-broken").textContent=d.fleet.broken_chains;$("n-manual").textContent=d.totals.manual;
 chart(d.hourly);
 rows("disputes",["h_time","h_venue","h_code","h_scan"],d.disputes.items.slice(-50).reverse().map(x=>[lt(Date.parse(x.ts)),x.venue,x.code,x.scan_reason]));
 rows("breaks",["h_time","h_terminal","h_kind"],d.chain_breaks.map(x=>[lt(x.found*1000),x.terminal.slice(0,8),x.kind]));
 rows("fleet",["h_terminal","h_venue","h_state","h_seen","h_events","h_quar","h_chain"],d.fleet.terminals.map(x=>[x.terminal.slice(0,8),x.venue,
  x.revoked?{v:t("s_revoked")}:x.stale?{v:t("s_stale"),cls:"stale"}:{v:t("s_ok"),cls:"ok"},x.last_seen==null?t("never"):ago(x.since_seen),x.events,x.quarantined,
  x.chain=="intact"?{v:t("c_intact"),cls:"ok"}:{v:t("c_broken"),cls:"broken"}]))}
async function load(){const tok=sessionStorage.getItem("vt-token");if(!tok){$("signin").hidden=false;render();return}
 const q=new URLSearchParams(location.search),day=q.get("day");
 const r=await fetch("/dashboard/data"+(day?"?day="+encodeURIComponent(day):""),{headers:{Authorization:"Bearer "+tok}});
 if(r.status!=200){sessionStorage.removeItem("vt-token");$("signin").hidden=false;$("err").textContent=t("bad");render();return}
 data=await r.json();$("signin").hidden=true;$("main").hidden=false;render();document.body.dataset.loaded="1"}
const m=location.hash.match(/token=([^&]+)/);if(m){sessionStorage.setItem("vt-token",decodeURIComponent(m[1]));history.replaceState(null,"",location.pathname+location.search)}
$("lang").onclick=()=>{lang=lang=="zh"?"en":"zh";localStorage.setItem("vt-lang",lang);render()};
$("go").onclick=()=>{sessionStorage.setItem("vt-token",$("tok").value);$("err").textContent="";load()};
if(new URLSearchParams(location.search).get("lang")=="en")lang="en";
load();
</script></body></html>
"""
