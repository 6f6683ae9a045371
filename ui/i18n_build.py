"""Developer tool: refresh the Qt Linguist catalogue and compile it.

    .venv/bin/python -m ui.i18n_build          # lupdate ui/*.py -> assets/i18n/venue_zh_CN.ts, lrelease -> .qm

The .ts is the source of truth for translators (edit it in `pyside6-linguist`). Messages that
are new and unfinished get a first Chinese text from `FIRST_FILL` below; a message that is
still unfinished afterwards makes this tool fail, so nothing ships half-translated. The .qm
is committed, so running the app needs no build step. tests/ui/test_i18n.py checks the
.ts matches the sources, the .qm matches the .ts, and every translation keeps its %1/%n.

Threads: not part of the app.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "assets" / "i18n" / "venue_zh_CN.ts"
QM = TS.with_suffix(".qm")

FIRST_FILL = {
    "The other gates cannot be reached: valid codes show amber, check each holder (%1 to write back)":
        "无法连接其他闸机：有效的码显示为黄色，请逐一核验（%1 条待回写）",
    "Gate fault: %1. Admissions show amber: check the gate, or open it by hand (Staff menu)":
        "闸机故障：%1。通过的码显示为黄色：请检查闸机，或手动开闸（员工菜单）",
    "Open the gate by hand": "手动开闸", "Open the gate by hand…": "手动开闸…",
    "Certificate valid: open the gate": "证件有效：开闸",
    "Check the holder's paper certificate. Valid opens the gate; only the kind of certificate, the result and your "
    "staff code are recorded.": "请核验持证人的纸质证件。选择有效即开闸；只记录证件类型、结果和您的员工编号。",
    "The platform URL must start with https:// (http:// only for this computer) and name a host":
        "平台地址须以 https:// 开头（http:// 仅限本机）并包含主机名",
    "Another platform host needs a new enrolment (venue-terminal enroll --code); the token is not moved":
        "更换平台主机需要重新注册终端（venue-terminal enroll --code），令牌不会发往新主机",
    "Counter: clear holder after (s, 0 = never)": "窗口：持码人信息清除时间（秒，0 = 不清除）",
    "Verdict hold time (s)": "结果显示时长（秒）", "Kiosk idle after (s)": "自助机空闲返回（秒）", "Sounds": "提示音",
    "Voice guidance": "语音提示", "Voice volume": "语音音量", "Sync every (s)": "同步间隔（秒）",
    "Clock difference allowed (s)": "允许的时钟偏差（秒）", "Keep uploaded scans (days)": "已上传记录保留（天）",
    "Platform timeout (s)": "平台超时（秒）", "Full screen": "全屏", "At the kiosk only": "仅自助机", "On": "开",
    "Off": "关",
    "EU DCC trust file": "欧盟数字新冠证书（DCC）信任文件",
    "none: the platform's DCC trust list only": "无：仅用平台同步的 DCC 信任列表",
    "EU DCC (HC1) document signer certificates from a file, beside the list the platform syncs: a trust JSON file "
    "or PEM/DER certificates": "来自文件的欧盟 DCC（HC1）签发证书，与平台同步的列表一并使用：信任 JSON 文件或 PEM/DER 证书",
    "%1 d": "%1 天", "%1 h": "%1 小时", "%1 min": "%1 分钟",
    "Academic degree certificate": "学历学位证", "Administrator PIN": "管理员密码", "Admitted": "通过",
    "Admitted today: %1": "今日通过：%1", "Age thresholds met": "年龄条件", "Browse…": "浏览…",
    "Business licence": "营业执照", "Camera / source": "摄像头 / 画面来源", "Camera: error": "摄像头：故障",
    "Camera: live": "摄像头：正常", "Camera: no picture": "摄像头：无画面", "Camera: starting": "摄像头：启动中",
    "Camera: video ended": "摄像头：视频已结束", "Camera: reconnecting": "摄像头：正在重连", "Cancel": "取消", "Cannot verify": "无法验证",
    "Certificate": "证照", "Code content too large": "码内容过大", "Code type": "码类型", "Copy JSON": "复制 JSON",
    "Counter": "窗口", "Credit code": "统一社会信用代码", "Damaged code, cannot be read": "码已损坏，无法解析",
    "Decoder": "解码器", "Disability certificate": "残疾人证",
    "Does not meet this venue's conditions": "不符合本场所入场条件", "Driving licence": "驾驶证",
    "Dynamic code already used": "动态码已被使用", "Dynamic code out of date, please refresh": "动态码已失效，请刷新",
    "Dynamic code signature invalid": "动态码签名无效", "EU DCC details": "欧盟数字新冠证书信息",
    "EU Digital COVID Certificate": "欧盟数字新冠证书", "Enter the administrator PIN": "请输入管理员密码",
    "Enterprise": "企业名称", "Enterprise code": "企业码", "Expired": "已过期", "Expires": "有效期至",
    "Export JSON…": "导出 JSON…", "Export verdict": "导出核验结果", "Food business permit": "食品经营许可证",
    "Gate": "闸机", "Hold your resident code up to the camera": "将居民码对准摄像头", "Holder": "持码人",
    "Household register": "户口簿", "ID card": "身份证", "ID number": "证件号码",
    "Industrial product permit": "工业产品生产许可证", "Invalid signature (possibly forged)": "签名无效（可能伪造）",
    "Issued by": "发证机关", "Issuer": "签发机构", "Issuer key not valid for this code": "签发密钥不在有效期内",
    "Issuer key revoked": "签发密钥已吊销", "Issuer not allowed to issue this code": "签发机构无权签发此类码",
    "Kiosk": "自助机", "Language": "语言", "Marriage certificate": "结婚证", "Mode": "模式", "Name": "姓名",
    "New PIN": "新密码", "No camera picture": "无摄像头画面", "No code could be read": "未能识别二维码",
    "No holder details are shown for a code that was not accepted.": "未通过的码不显示持码人信息。",
    "No trust data": "无信任数据", "No trust data: enrol and sync this terminal.": "无信任数据：请注册并同步本终端。",
    "Not a recognised code": "不是可识别的码", "Not enrolled (local files)": "未注册（本地文件）",
    "Not synced yet": "尚未同步", "Not yet valid": "尚未生效", "Number": "证号", "Offline": "离线",
    "Offline: the platform cannot be reached. Scanning goes on; the scan log uploads later.":
        "离线：无法连接平台。核验照常进行，记录稍后上传。",
    "Online": "在线", "Platform URL": "平台地址", "Please see staff": "请联系工作人员", "Quit the app": "退出程序",
    "Real estate title": "不动产权证书", "Refused": "拒绝", "Refused today: %1": "今日拒绝：%1",
    "Repeat new PIN": "再次输入新密码", "Resident code": "居民码", "Result": "结果", "Revoked": "已被吊销",
    "Scan a code to see its details.": "扫码后在此显示详情。", "Senior citizen card": "老年人优待证",
    "Settings": "设置", "Show your code to the camera": "请向摄像头出示您的码",
    "Signer not allowed for this certificate type": "签发证书无权签发此类证明", "Social security card": "社会保障卡",
    "Student card": "学生证", "Teacher qualification": "教师资格证", "Terminal clock may be wrong": "终端时钟可能不准",
    "The two new PINs differ": "两次输入的新密码不一致", "Time": "时间",
    "Today's scans at this terminal": "本终端今日核验记录", "Too many wrong PINs. Try again in %1 s.":
        "密码错误次数过多，请 %1 秒后再试。",
    "Trust data %1 old": "信任数据 %1 前更新", "Trust data out of date": "信任数据已过期",
    "Trust data out of date: valid codes show amber, please see staff. Sync the terminal.":
        "信任数据已过期：有效码显示黄色，请工作人员核查。请同步终端。",
    "Type": "类型", "Unknown issuer": "签发机构未知", "Unsupported signature": "不支持的签名算法", "Valid": "有效",
    "Valid code": "验证通过", "Valid until": "有效期至", "Venue Terminal": "场所核验终端", "Venue check": "场所核验",
    "Venue policy": "场所规则", "Venue policy file": "场所规则文件", "Waiting for upload: %1": "待上传：%1",
    "Wrong PIN": "密码错误", "default policy": "默认规则", "expired": "已过期", "expires in %1": "%1 后过期",
    "Schema version": "版本", "Date of birth": "出生日期", "Certificate kind": "证书类别", "Disease": "疾病",
    "Vaccine type": "疫苗类型", "Product": "疫苗产品", "Manufacturer": "生产商", "Dose number": "剂次",
    "Doses in series": "全程剂数", "Date of vaccination": "接种日期", "Test type": "检测类型", "Test name": "检测名称",
    "Sample taken": "采样时间", "Test result": "检测结果", "Test centre": "检测机构", "First positive test": "首次阳性日期",
    "Valid from": "生效日期", "Country": "国家", "Certificate issuer": "证书签发方", "Certificate id": "证书编号",
    "Vaccination": "疫苗接种", "Test": "检测", "Recovery": "康复",
    "leave empty to keep the PIN": "留空则不修改密码", "under a minute": "不到 1 分钟",
    "Invalid camera / source: %1": "摄像头 / 画面来源无效：%1",
    "Pick a camera found on this terminal, or type camera:N, video:PATH or images:DIR":
        "选择本终端上找到的摄像头，或输入 camera:N、video:路径 或 images:文件夹",
    "The platform URL must start with http:// or https:// and name a host":
        "平台地址须以 http:// 或 https:// 开头并包含主机名",
    "not enrolled": "未注册",
    "Set by enrolment. This terminal is not enrolled: run venue-terminal enroll to connect it to a platform.":
        "由注册设定。本终端尚未注册：请运行 venue-terminal enroll 将其连接到平台。",
    "The platform this enrolled terminal syncs with; a change applies from the next sync.":
        "本终端同步所用的平台；修改后从下一次同步起生效。",
    # Admin PIN and staff (issue 17): ui/dialogs.py, ui/staff.py
    "The PIN must not be one digit repeated": "密码不能是同一个数字重复",
    "The PIN must not be a run of digits such as 123456": "密码不能是 123456 这样的连续数字",
    "The PIN must be %1 to %2 digits": "密码须为 %1 至 %2 位数字",
    "Set the administrator PIN": "设置管理员密码",
    "This terminal has no administrator PIN yet. Set one before anything else; scanning goes on meanwhile.":
        "本终端尚未设置管理员密码。请先设置密码，再进行其他操作；核验照常进行。",
    "Choose a new PIN": "请设置新密码",
    "%1 to %2 digits; not one digit repeated, not a run such as 123456.":
        "%1 至 %2 位数字；不能是同一个数字重复，也不能是 123456 这样的连续数字。",
    "Staff codes…": "员工编号…", "Staff": "员工", "Staff codes": "员工编号",
    "The holder disputes a refusal": "持码人对拒绝结果有异议",
    "The holder disputes the data shown": "持码人对显示的信息有异议",
    "Admitted by mistake": "误放行", "Suspected misuse of the code": "疑似冒用他人的码",
    "Staff sign-in": "员工登录", "Staff code": "员工编号", "PIN": "密码", "Enter your staff code": "请输入员工编号",
    "Staff sign-in needs an enrolled terminal in gate or counter mode":
        "员工登录需要已注册的终端，并处于闸机或窗口模式",
    "Wrong staff code or PIN": "员工编号或密码错误",
    "Mark a verdict disputed": "标记核验结果有异议", "Which verdict? (newest first)": "哪一条核验结果？（最新的在最上面）",
    "What is disputed?": "异议类型", "No verdicts at this terminal yet": "本终端尚无核验记录",
    "Pick a verdict first": "请先选择一条核验结果", "Not recorded: %1": "未记录：%1",
    "Paper certificate checked by hand": "人工核验纸质证明（线下兜底）",
    "For a holder without a code: record only the kind of certificate and the result. Nothing about the holder "
    "is kept.": "用于无码人员（线下兜底）：只记录证明类型和核验结果，不保存持证人的任何信息。",
    "Certificate valid": "证明有效", "Certificate not valid": "证明无效",
    "Remove the selected code": "删除所选编号", "Their PIN": "该员工的密码", "Repeat the PIN": "再次输入密码",
    "A staff code is the venue's code for a person (letters, digits, _ and -), never a name or an ID number.":
        "员工编号是场所为工作人员分配的代码（字母、数字、_ 和 -），不能是姓名或身份证号。",
    "Add, or set a new PIN": "添加，或设置新密码", "Close": "关闭", "The two PINs differ": "两次输入的密码不一致",
    "A staff code is 1 to 32 letters, digits, _ or -": "员工编号为 1 至 32 个字母、数字、_ 或 -",
    "Staff: %1": "员工：%1", "Sign in…": "员工登录…", "Sign in as someone else…": "换人登录…", "Sign out": "退出登录",
    "Mark a verdict disputed…": "标记异议…", "Paper certificate checked by hand…": "人工核验纸质证明…",
    "Rejected by the platform: %1 (%2)": "平台拒收：%1 条（%2）",
    "Kept on this terminal and not sent again. The platform said: %1": "已保留在本终端，不再上传。平台返回：%1",
    # Issue 11 build: staff warnings, guidance, voice, accessibility, verdict rhythm, counter
    "Trust data expires in %1: connect the terminal so it can sync": "信任数据将在 %1后过期：请让终端联网同步",
    "The terminal clock may be wrong (%1 from the platform): set the time":
        "终端时钟可能不准（与平台相差 %1）：请校准时间",
    "%1 scan records waiting for upload: check the network": "%1 条核验记录待上传：请检查网络",
    "No camera picture: check the camera and its cable": "摄像头无画面：请检查摄像头及连线",
    "Next in %1 s · tap to skip": "%1 秒后继续 · 轻触跳过", "Kiosk verdict hold time (s)": "自助机结果显示时长（秒）",
    # Accessible names (ui/a11y.py, context A11y): Chinese names, the English as the description
    "delete": "删除", "confirm": "确认", "OK": "确定", "Save": "保存", "Staff PIN": "员工密码",
    "Print or save the summary": "打印或保存摘要",
    # Untranslated until now: PIN, source and settings errors, the staff list's limit
    "The PIN cannot be used: %1": "此密码不能使用：%1",
    "Enter a source: camera:N, camera:/dev/videoN, video:PATH or images:DIR":
        "请输入画面来源：camera:N、camera:/dev/videoN、video:路径 或 images:文件夹",
    "A video or an image folder needs its path, e.g. video:/path": "视频或图片文件夹需要给出路径，例如 video:/path",
    "A camera needs its number, device path or stream address, e.g. camera:0 or camera:/dev/video2":
        "摄像头需要编号、设备路径或视频流地址，例如 camera:0 或 camera:/dev/video2",
    "Not a source this terminal knows: use camera:N, camera:/dev/videoN, video:PATH or images:DIR":
        "无法识别的画面来源：请使用 camera:N、camera:/dev/videoN、video:路径 或 images:文件夹",
    "%1 (%2) cannot be used: %3": "%1（%2）无法使用：%3",
    "This terminal holds at most %1 staff codes": "本终端最多保存 %1 个员工编号",
    "Large type, high contrast": "大字体、高对比度",
    "Browse for a venue policy file": "浏览选择场所规则文件", "Browse for an EU DCC trust file": "浏览选择欧盟 DCC 信任文件",
    "Recent verdicts": "最近的核验结果", "Certificate type": "证明类型",
    "Events rejected by the platform": "平台拒收的记录", "Offline notice": "离线提示", "Trust data notice": "信任数据提示",
    "Admitted today": "今日通过", "Refused today": "今日拒绝", "Administrator settings": "管理员设置",
    "A phone showing a code": "手机出示二维码的示意图", "Switch language: English / 中文": "切换语言：English / 中文",
    "Linked certificates": "关联证照", "Camera picture": "摄像头画面", "Verdict": "核验结果", "Network state": "网络状态",
    "Trust data age": "信任数据更新时间", "Events waiting for upload": "待上传记录", "Camera state": "摄像头状态",
    "Gate pulse (s)": "开闸脉冲（秒）", "Gate command timeout (s)": "闸机指令超时（秒）",
    "Walk-through wait (s)": "等待通行（秒）", "Health endpoint port (0: off)": "健康检查端口（0：关闭）",
}


def tool(name: str) -> str:
    exe = Path(sys.executable).parent / name
    return str(exe) if exe.exists() else (shutil.which(name) or name)


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "ui").glob("*.py") if p.name != "i18n_build.py")


def lupdate(ts: Path) -> None:
    subprocess.run([tool("pyside6-lupdate"), *sources(), "-ts", str(ts), "-target-language", "zh_CN",
                    "-no-obsolete", "-locations", "none"], cwd=ROOT, check=True, capture_output=True)


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], cwd=ROOT, check=True, capture_output=True)


def fill(ts: Path) -> list[str]:
    tree = ET.parse(ts)
    missing = []
    for msg in tree.getroot().iter("message"):
        src = msg.findtext("source")
        tr = msg.find("translation")
        if tr.get("type") == "unfinished":
            if src in FIRST_FILL:
                tr.text = FIRST_FILL[src]
                del tr.attrib["type"]
            else:
                missing.append(src)
    ET.indent(tree)
    with open(ts, "wb") as fh:
        fh.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        tree.write(fh, encoding="utf-8", xml_declaration=False)
        fh.write(b"\n")
    return missing


def main() -> int:
    TS.parent.mkdir(parents=True, exist_ok=True)
    lupdate(TS)
    missing = fill(TS)
    if missing:
        print("untranslated:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    lrelease(TS, QM)
    print(f"{TS.relative_to(ROOT)} and {QM.relative_to(ROOT)} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
