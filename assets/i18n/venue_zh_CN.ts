<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>A11y</name>
    <message>
      <source>delete</source>
      <translation>删除</translation>
    </message>
    <message>
      <source>confirm</source>
      <translation>确认</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Administrator PIN</source>
      <translation>管理员密码</translation>
    </message>
    <message>
      <source>PIN</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>Set the administrator PIN</source>
      <translation>设置管理员密码</translation>
    </message>
    <message>
      <source>New PIN</source>
      <translation>新密码</translation>
    </message>
    <message>
      <source>Repeat new PIN</source>
      <translation>再次输入新密码</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>Camera / source</source>
      <translation>摄像头 / 画面来源</translation>
    </message>
    <message>
      <source>Decoder</source>
      <translation>解码器</translation>
    </message>
    <message>
      <source>Mode</source>
      <translation>模式</translation>
    </message>
    <message>
      <source>Venue policy file</source>
      <translation>场所规则文件</translation>
    </message>
    <message>
      <source>Browse for a venue policy file</source>
      <translation>浏览选择场所规则文件</translation>
    </message>
    <message>
      <source>EU DCC trust file</source>
      <translation>欧盟数字新冠证书（DCC）信任文件</translation>
    </message>
    <message>
      <source>Browse for an EU DCC trust file</source>
      <translation>浏览选择欧盟 DCC 信任文件</translation>
    </message>
    <message>
      <source>Platform URL</source>
      <translation>平台地址</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <source>Staff codes</source>
      <translation>员工编号</translation>
    </message>
    <message>
      <source>Quit the app</source>
      <translation>退出程序</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>保存</translation>
    </message>
    <message>
      <source>Staff code</source>
      <translation>员工编号</translation>
    </message>
    <message>
      <source>Staff sign-in</source>
      <translation>员工登录</translation>
    </message>
    <message>
      <source>Staff PIN</source>
      <translation>员工密码</translation>
    </message>
    <message>
      <source>Mark a verdict disputed</source>
      <translation>标记核验结果有异议</translation>
    </message>
    <message>
      <source>Recent verdicts</source>
      <translation>最近的核验结果</translation>
    </message>
    <message>
      <source>Open the gate by hand</source>
      <translation>手动开闸</translation>
    </message>
    <message>
      <source>Paper certificate checked by hand</source>
      <translation>人工核验纸质证明（线下兜底）</translation>
    </message>
    <message>
      <source>Certificate type</source>
      <translation>证明类型</translation>
    </message>
    <message>
      <source>Certificate valid</source>
      <translation>证明有效</translation>
    </message>
    <message>
      <source>Certificate not valid</source>
      <translation>证明无效</translation>
    </message>
    <message>
      <source>Remove the selected code</source>
      <translation>删除所选编号</translation>
    </message>
    <message>
      <source>Their PIN</source>
      <translation>该员工的密码</translation>
    </message>
    <message>
      <source>Repeat the PIN</source>
      <translation>再次输入密码</translation>
    </message>
    <message>
      <source>Add, or set a new PIN</source>
      <translation>添加，或设置新密码</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>Staff</source>
      <translation>员工</translation>
    </message>
    <message>
      <source>Events rejected by the platform</source>
      <translation>平台拒收的记录</translation>
    </message>
    <message>
      <source>Admitted today</source>
      <translation>今日通过</translation>
    </message>
    <message>
      <source>Refused today</source>
      <translation>今日拒绝</translation>
    </message>
    <message>
      <source>Administrator settings</source>
      <translation>管理员设置</translation>
    </message>
    <message>
      <source>A phone showing a code</source>
      <translation>手机出示二维码的示意图</translation>
    </message>
    <message>
      <source>Switch language: English / 中文</source>
      <translation>切换语言：English / 中文</translation>
    </message>
    <message>
      <source>Code type</source>
      <translation>码类型</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>证件号码</translation>
    </message>
    <message>
      <source>Age thresholds met</source>
      <translation>年龄条件</translation>
    </message>
    <message>
      <source>Valid until</source>
      <translation>有效期至</translation>
    </message>
    <message>
      <source>Issuer</source>
      <translation>签发机构</translation>
    </message>
    <message>
      <source>Linked certificates</source>
      <translation>关联证照</translation>
    </message>
    <message>
      <source>Print or save the summary</source>
      <translation>打印或保存摘要</translation>
    </message>
    <message>
      <source>Copy JSON</source>
      <translation>复制 JSON</translation>
    </message>
    <message>
      <source>Export JSON…</source>
      <translation>导出 JSON…</translation>
    </message>
    <message>
      <source>Today's scans at this terminal</source>
      <translation>本终端今日核验记录</translation>
    </message>
    <message>
      <source>Camera picture</source>
      <translation>摄像头画面</translation>
    </message>
    <message>
      <source>Verdict</source>
      <translation>核验结果</translation>
    </message>
    <message>
      <source>Network state</source>
      <translation>网络状态</translation>
    </message>
    <message>
      <source>Trust data age</source>
      <translation>信任数据更新时间</translation>
    </message>
    <message>
      <source>Events waiting for upload</source>
      <translation>待上传记录</translation>
    </message>
    <message>
      <source>Camera state</source>
      <translation>摄像头状态</translation>
    </message>
    <message>
      <source>Venue Terminal</source>
      <translation>场所核验终端</translation>
    </message>
    <message>
      <source>Offline notice</source>
      <translation>离线提示</translation>
    </message>
    <message>
      <source>Trust data notice</source>
      <translation>信任数据提示</translation>
    </message>
  </context>
  <context>
    <name>Certs</name>
    <message>
      <source>ID card</source>
      <translation>身份证</translation>
    </message>
    <message>
      <source>Household register</source>
      <translation>户口簿</translation>
    </message>
    <message>
      <source>Social security card</source>
      <translation>社会保障卡</translation>
    </message>
    <message>
      <source>Driving licence</source>
      <translation>驾驶证</translation>
    </message>
    <message>
      <source>Marriage certificate</source>
      <translation>结婚证</translation>
    </message>
    <message>
      <source>Senior citizen card</source>
      <translation>老年人优待证</translation>
    </message>
    <message>
      <source>Disability certificate</source>
      <translation>残疾人证</translation>
    </message>
    <message>
      <source>Student card</source>
      <translation>学生证</translation>
    </message>
    <message>
      <source>Teacher qualification</source>
      <translation>教师资格证</translation>
    </message>
    <message>
      <source>Academic degree certificate</source>
      <translation>学历学位证</translation>
    </message>
    <message>
      <source>Real estate title</source>
      <translation>不动产权证书</translation>
    </message>
    <message>
      <source>Business licence</source>
      <translation>营业执照</translation>
    </message>
    <message>
      <source>Food business permit</source>
      <translation>食品经营许可证</translation>
    </message>
    <message>
      <source>Industrial product permit</source>
      <translation>工业产品生产许可证</translation>
    </message>
    <message>
      <source>Resident code</source>
      <translation>居民码</translation>
    </message>
    <message>
      <source>Enterprise code</source>
      <translation>企业码</translation>
    </message>
    <message>
      <source>EU Digital COVID Certificate</source>
      <translation>欧盟数字新冠证书</translation>
    </message>
  </context>
  <context>
    <name>CounterView</name>
    <message>
      <source>Export verdict</source>
      <translation>导出核验结果</translation>
    </message>
    <message>
      <source>Scan a code to see its details.</source>
      <translation>扫码后在此显示详情。</translation>
    </message>
    <message>
      <source>No holder details are shown for a code that was not accepted.</source>
      <translation>未通过的码不显示持码人信息。</translation>
    </message>
    <message>
      <source>Enterprise</source>
      <translation>企业名称</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <source>Credit code</source>
      <translation>统一社会信用代码</translation>
    </message>
    <message>
      <source>ID number</source>
      <translation>证件号码</translation>
    </message>
    <message>
      <source>expired</source>
      <translation>已过期</translation>
    </message>
    <message>
      <source>Valid</source>
      <translation>有效</translation>
    </message>
    <message>
      <source>Holder</source>
      <translation>持码人</translation>
    </message>
    <message>
      <source>Code type</source>
      <translation>码类型</translation>
    </message>
    <message>
      <source>Age thresholds met</source>
      <translation>年龄条件</translation>
    </message>
    <message>
      <source>Valid until</source>
      <translation>有效期至</translation>
    </message>
    <message>
      <source>Issuer</source>
      <translation>签发机构</translation>
    </message>
    <message>
      <source>Certificate</source>
      <translation>证照</translation>
    </message>
    <message>
      <source>Number</source>
      <translation>证号</translation>
    </message>
    <message>
      <source>Expires</source>
      <translation>有效期至</translation>
    </message>
    <message>
      <source>Issued by</source>
      <translation>发证机关</translation>
    </message>
    <message>
      <source>EU DCC details</source>
      <translation>欧盟数字新冠证书信息</translation>
    </message>
    <message>
      <source>Copy JSON</source>
      <translation>复制 JSON</translation>
    </message>
    <message>
      <source>Export JSON…</source>
      <translation>导出 JSON…</translation>
    </message>
    <message>
      <source>Today's scans at this terminal</source>
      <translation>本终端今日核验记录</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>Result</source>
      <translation>结果</translation>
    </message>
    <message>
      <source>Type</source>
      <translation>类型</translation>
    </message>
  </context>
  <context>
    <name>Dcc</name>
    <message>
      <source>Schema version</source>
      <translation>版本</translation>
    </message>
    <message>
      <source>Date of birth</source>
      <translation>出生日期</translation>
    </message>
    <message>
      <source>Certificate kind</source>
      <translation>证书类别</translation>
    </message>
    <message>
      <source>Disease</source>
      <translation>疾病</translation>
    </message>
    <message>
      <source>Vaccine type</source>
      <translation>疫苗类型</translation>
    </message>
    <message>
      <source>Product</source>
      <translation>疫苗产品</translation>
    </message>
    <message>
      <source>Manufacturer</source>
      <translation>生产商</translation>
    </message>
    <message>
      <source>Dose number</source>
      <translation>剂次</translation>
    </message>
    <message>
      <source>Doses in series</source>
      <translation>全程剂数</translation>
    </message>
    <message>
      <source>Date of vaccination</source>
      <translation>接种日期</translation>
    </message>
    <message>
      <source>Test type</source>
      <translation>检测类型</translation>
    </message>
    <message>
      <source>Test name</source>
      <translation>检测名称</translation>
    </message>
    <message>
      <source>Sample taken</source>
      <translation>采样时间</translation>
    </message>
    <message>
      <source>Test result</source>
      <translation>检测结果</translation>
    </message>
    <message>
      <source>Test centre</source>
      <translation>检测机构</translation>
    </message>
    <message>
      <source>First positive test</source>
      <translation>首次阳性日期</translation>
    </message>
    <message>
      <source>Valid from</source>
      <translation>生效日期</translation>
    </message>
    <message>
      <source>Valid until</source>
      <translation>有效期至</translation>
    </message>
    <message>
      <source>Country</source>
      <translation>国家</translation>
    </message>
    <message>
      <source>Certificate issuer</source>
      <translation>证书签发方</translation>
    </message>
    <message>
      <source>Certificate id</source>
      <translation>证书编号</translation>
    </message>
    <message>
      <source>Vaccination</source>
      <translation>疫苗接种</translation>
    </message>
    <message>
      <source>Test</source>
      <translation>检测</translation>
    </message>
    <message>
      <source>Recovery</source>
      <translation>康复</translation>
    </message>
  </context>
  <context>
    <name>DisputeDialog</name>
    <message>
      <source>Mark a verdict disputed</source>
      <translation>标记核验结果有异议</translation>
    </message>
    <message>
      <source>Which verdict? (newest first)</source>
      <translation>哪一条核验结果？（最新的在最上面）</translation>
    </message>
    <message>
      <source>What is disputed?</source>
      <translation>异议类型</translation>
    </message>
    <message>
      <source>No verdicts at this terminal yet</source>
      <translation>本终端尚无核验记录</translation>
    </message>
    <message>
      <source>Pick a verdict first</source>
      <translation>请先选择一条核验结果</translation>
    </message>
  </context>
  <context>
    <name>Duration</name>
    <message>
      <source>under a minute</source>
      <translation>不到 1 分钟</translation>
    </message>
    <message>
      <source>%1 min</source>
      <translation>%1 分钟</translation>
    </message>
    <message>
      <source>%1 h</source>
      <translation>%1 小时</translation>
    </message>
    <message>
      <source>%1 d</source>
      <translation>%1 天</translation>
    </message>
  </context>
  <context>
    <name>GateView</name>
    <message>
      <source>Admitted today: %1</source>
      <translation>今日通过：%1</translation>
    </message>
    <message>
      <source>Refused today: %1</source>
      <translation>今日拒绝：%1</translation>
    </message>
    <message>
      <source>Show your code to the camera</source>
      <translation>请向摄像头出示您的码</translation>
    </message>
  </context>
  <context>
    <name>KioskView</name>
    <message>
      <source>Venue check</source>
      <translation>场所核验</translation>
    </message>
    <message>
      <source>Hold your resident code up to the camera</source>
      <translation>将居民码对准摄像头</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>Venue Terminal</source>
      <translation>场所核验终端</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>Offline: the platform cannot be reached. Scanning goes on; the scan log uploads later.</source>
      <translation>离线：无法连接平台。核验照常进行，记录稍后上传。</translation>
    </message>
    <message>
      <source>Trust data out of date: valid codes show amber, please see staff. Sync the terminal.</source>
      <translation>信任数据已过期：有效码显示黄色，请工作人员核查。请同步终端。</translation>
    </message>
    <message>
      <source>No trust data: enrol and sync this terminal.</source>
      <translation>无信任数据：请注册并同步本终端。</translation>
    </message>
  </context>
  <context>
    <name>ManualCheckDialog</name>
    <message>
      <source>Paper certificate checked by hand</source>
      <translation>人工核验纸质证明（线下兜底）</translation>
    </message>
    <message>
      <source>Open the gate by hand</source>
      <translation>手动开闸</translation>
    </message>
    <message>
      <source>Check the holder's paper certificate. Valid opens the gate; only the kind of certificate, the result and your staff code are recorded.</source>
      <translation>请核验持证人的纸质证件。选择有效即开闸；只记录证件类型、结果和您的员工编号。</translation>
    </message>
    <message>
      <source>For a holder without a code: record only the kind of certificate and the result. Nothing about the holder is kept.</source>
      <translation>用于无码人员（线下兜底）：只记录证明类型和核验结果，不保存持证人的任何信息。</translation>
    </message>
    <message>
      <source>Certificate</source>
      <translation>证照</translation>
    </message>
    <message>
      <source>Certificate valid: open the gate</source>
      <translation>证件有效：开闸</translation>
    </message>
    <message>
      <source>Certificate valid</source>
      <translation>证明有效</translation>
    </message>
    <message>
      <source>Certificate not valid</source>
      <translation>证明无效</translation>
    </message>
  </context>
  <context>
    <name>NewPinDialog</name>
    <message>
      <source>Set the administrator PIN</source>
      <translation>设置管理员密码</translation>
    </message>
    <message>
      <source>This terminal has no administrator PIN yet. Set one before anything else; scanning goes on meanwhile.</source>
      <translation>本终端尚未设置管理员密码。请先设置密码，再进行其他操作；核验照常进行。</translation>
    </message>
    <message>
      <source>Choose a new PIN</source>
      <translation>请设置新密码</translation>
    </message>
    <message>
      <source>%1 to %2 digits; not one digit repeated, not a run such as 123456.</source>
      <translation>%1 至 %2 位数字；不能是同一个数字重复，也不能是 123456 这样的连续数字。</translation>
    </message>
    <message>
      <source>New PIN</source>
      <translation>新密码</translation>
    </message>
    <message>
      <source>Repeat new PIN</source>
      <translation>再次输入新密码</translation>
    </message>
    <message>
      <source>The two new PINs differ</source>
      <translation>两次输入的新密码不一致</translation>
    </message>
  </context>
  <context>
    <name>Outcome</name>
    <message>
      <source>Admitted</source>
      <translation>通过</translation>
    </message>
    <message>
      <source>Refused</source>
      <translation>拒绝</translation>
    </message>
    <message>
      <source>Please see staff</source>
      <translation>请联系工作人员</translation>
    </message>
  </context>
  <context>
    <name>PinDialog</name>
    <message>
      <source>Administrator PIN</source>
      <translation>管理员密码</translation>
    </message>
    <message>
      <source>Enter the administrator PIN</source>
      <translation>请输入管理员密码</translation>
    </message>
    <message>
      <source>Wrong PIN</source>
      <translation>密码错误</translation>
    </message>
  </context>
  <context>
    <name>PinPad</name>
    <message>
      <source>OK</source>
      <translation>确定</translation>
    </message>
  </context>
  <context>
    <name>Pins</name>
    <message>
      <source>Too many wrong PINs. Try again in %1 s.</source>
      <translation>密码错误次数过多，请 %1 秒后再试。</translation>
    </message>
    <message>
      <source>The PIN must not be one digit repeated</source>
      <translation>密码不能是同一个数字重复</translation>
    </message>
    <message>
      <source>The PIN must not be a run of digits such as 123456</source>
      <translation>密码不能是 123456 这样的连续数字</translation>
    </message>
    <message>
      <source>The PIN must be %1 to %2 digits</source>
      <translation>密码须为 %1 至 %2 位数字</translation>
    </message>
    <message>
      <source>The PIN cannot be used: %1</source>
      <translation>此密码不能使用：%1</translation>
    </message>
  </context>
  <context>
    <name>PreviewWidget</name>
    <message>
      <source>No camera picture</source>
      <translation>无摄像头画面</translation>
    </message>
  </context>
  <context>
    <name>QuarantineNote</name>
    <message>
      <source>Rejected by the platform: %1 (%2)</source>
      <translation>平台拒收：%1 条（%2）</translation>
    </message>
    <message>
      <source>Kept on this terminal and not sent again. The platform said: %1</source>
      <translation>已保留在本终端，不再上传。平台返回：%1</translation>
    </message>
  </context>
  <context>
    <name>Settings</name>
    <message>
      <source>Enter a source: camera:N, camera:/dev/videoN, video:PATH or images:DIR</source>
      <translation>请输入画面来源：camera:N、camera:/dev/videoN、video:路径 或 images:文件夹</translation>
    </message>
    <message>
      <source>A video or an image folder needs its path, e.g. video:/path</source>
      <translation>视频或图片文件夹需要给出路径，例如 video:/path</translation>
    </message>
    <message>
      <source>A camera needs its number, device path or stream address, e.g. camera:0 or camera:/dev/video2</source>
      <translation>摄像头需要编号、设备路径或视频流地址，例如 camera:0 或 camera:/dev/video2</translation>
    </message>
    <message>
      <source>Not a source this terminal knows: use camera:N, camera:/dev/videoN, video:PATH or images:DIR</source>
      <translation>无法识别的画面来源：请使用 camera:N、camera:/dev/videoN、video:路径 或 images:文件夹</translation>
    </message>
    <message>
      <source>%1 (%2) cannot be used: %3</source>
      <translation>%1（%2）无法使用：%3</translation>
    </message>
    <message>
      <source>Verdict hold time (s)</source>
      <translation>结果显示时长（秒）</translation>
    </message>
    <message>
      <source>Kiosk verdict hold time (s)</source>
      <translation>自助机结果显示时长（秒）</translation>
    </message>
    <message>
      <source>Kiosk idle after (s)</source>
      <translation>自助机空闲返回（秒）</translation>
    </message>
    <message>
      <source>Counter: clear holder after (s, 0 = never)</source>
      <translation>窗口：持码人信息清除时间（秒，0 = 不清除）</translation>
    </message>
    <message>
      <source>Sounds</source>
      <translation>提示音</translation>
    </message>
    <message>
      <source>Voice guidance</source>
      <translation>语音提示</translation>
    </message>
    <message>
      <source>Voice volume</source>
      <translation>语音音量</translation>
    </message>
    <message>
      <source>Sync every (s)</source>
      <translation>同步间隔（秒）</translation>
    </message>
    <message>
      <source>Clock difference allowed (s)</source>
      <translation>允许的时钟偏差（秒）</translation>
    </message>
    <message>
      <source>Keep uploaded scans (days)</source>
      <translation>已上传记录保留（天）</translation>
    </message>
    <message>
      <source>Platform timeout (s)</source>
      <translation>平台超时（秒）</translation>
    </message>
    <message>
      <source>Full screen</source>
      <translation>全屏</translation>
    </message>
    <message>
      <source>Large type, high contrast</source>
      <translation>大字体、高对比度</translation>
    </message>
    <message>
      <source>Gate pulse (s)</source>
      <translation>开闸脉冲（秒）</translation>
    </message>
    <message>
      <source>Gate command timeout (s)</source>
      <translation>闸机指令超时（秒）</translation>
    </message>
    <message>
      <source>Walk-through wait (s)</source>
      <translation>等待通行（秒）</translation>
    </message>
    <message>
      <source>Health endpoint port (0: off)</source>
      <translation>健康检查端口（0：关闭）</translation>
    </message>
    <message>
      <source>Venue policy file</source>
      <translation>场所规则文件</translation>
    </message>
    <message>
      <source>EU DCC trust file</source>
      <translation>欧盟数字新冠证书（DCC）信任文件</translation>
    </message>
    <message>
      <source>Camera / source</source>
      <translation>摄像头 / 画面来源</translation>
    </message>
    <message>
      <source>At the kiosk only</source>
      <translation>仅自助机</translation>
    </message>
    <message>
      <source>On</source>
      <translation>开</translation>
    </message>
    <message>
      <source>Off</source>
      <translation>关</translation>
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>Pick a camera found on this terminal, or type camera:N, video:PATH or images:DIR</source>
      <translation>选择本终端上找到的摄像头，或输入 camera:N、video:路径 或 images:文件夹</translation>
    </message>
    <message>
      <source>Gate</source>
      <translation>闸机</translation>
    </message>
    <message>
      <source>Kiosk</source>
      <translation>自助机</translation>
    </message>
    <message>
      <source>Counter</source>
      <translation>窗口</translation>
    </message>
    <message>
      <source>default policy</source>
      <translation>默认规则</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <source>none: the platform's DCC trust list only</source>
      <translation>无：仅用平台同步的 DCC 信任列表</translation>
    </message>
    <message>
      <source>EU DCC (HC1) document signer certificates from a file, beside the list the platform syncs: a trust JSON file or PEM/DER certificates</source>
      <translation>来自文件的欧盟 DCC（HC1）签发证书，与平台同步的列表一并使用：信任 JSON 文件或 PEM/DER 证书</translation>
    </message>
    <message>
      <source>not enrolled</source>
      <translation>未注册</translation>
    </message>
    <message>
      <source>Set by enrolment. This terminal is not enrolled: run venue-terminal enroll to connect it to a platform.</source>
      <translation>由注册设定。本终端尚未注册：请运行 venue-terminal enroll 将其连接到平台。</translation>
    </message>
    <message>
      <source>The platform this enrolled terminal syncs with; a change applies from the next sync.</source>
      <translation>本终端同步所用的平台；修改后从下一次同步起生效。</translation>
    </message>
    <message>
      <source>leave empty to keep the PIN</source>
      <translation>留空则不修改密码</translation>
    </message>
    <message>
      <source>Camera / source</source>
      <translation>摄像头 / 画面来源</translation>
    </message>
    <message>
      <source>Decoder</source>
      <translation>解码器</translation>
    </message>
    <message>
      <source>Mode</source>
      <translation>模式</translation>
    </message>
    <message>
      <source>Venue policy file</source>
      <translation>场所规则文件</translation>
    </message>
    <message>
      <source>EU DCC trust file</source>
      <translation>欧盟数字新冠证书（DCC）信任文件</translation>
    </message>
    <message>
      <source>Platform URL</source>
      <translation>平台地址</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <source>New PIN</source>
      <translation>新密码</translation>
    </message>
    <message>
      <source>Repeat new PIN</source>
      <translation>再次输入新密码</translation>
    </message>
    <message>
      <source>Staff codes…</source>
      <translation>员工编号…</translation>
    </message>
    <message>
      <source>Staff</source>
      <translation>员工</translation>
    </message>
    <message>
      <source>Quit the app</source>
      <translation>退出程序</translation>
    </message>
    <message>
      <source>Venue policy</source>
      <translation>场所规则</translation>
    </message>
    <message>
      <source>Invalid camera / source: %1</source>
      <translation>摄像头 / 画面来源无效：%1</translation>
    </message>
    <message>
      <source>The platform URL must start with https:// (http:// only for this computer) and name a host</source>
      <translation>平台地址须以 https:// 开头（http:// 仅限本机）并包含主机名</translation>
    </message>
    <message>
      <source>Another platform host needs a new enrolment (venue-terminal enroll --code); the token is not moved</source>
      <translation>更换平台主机需要重新注册终端（venue-terminal enroll --code），令牌不会发往新主机</translation>
    </message>
    <message>
      <source>The two new PINs differ</source>
      <translation>两次输入的新密码不一致</translation>
    </message>
  </context>
  <context>
    <name>SignInDialog</name>
    <message>
      <source>Staff sign-in</source>
      <translation>员工登录</translation>
    </message>
    <message>
      <source>Staff code</source>
      <translation>员工编号</translation>
    </message>
    <message>
      <source>PIN</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>Enter your staff code</source>
      <translation>请输入员工编号</translation>
    </message>
    <message>
      <source>Staff sign-in needs an enrolled terminal in gate or counter mode</source>
      <translation>员工登录需要已注册的终端，并处于闸机或窗口模式</translation>
    </message>
    <message>
      <source>Wrong staff code or PIN</source>
      <translation>员工编号或密码错误</translation>
    </message>
  </context>
  <context>
    <name>Staff</name>
    <message>
      <source>The holder disputes a refusal</source>
      <translation>持码人对拒绝结果有异议</translation>
    </message>
    <message>
      <source>The holder disputes the data shown</source>
      <translation>持码人对显示的信息有异议</translation>
    </message>
    <message>
      <source>Admitted by mistake</source>
      <translation>误放行</translation>
    </message>
    <message>
      <source>Suspected misuse of the code</source>
      <translation>疑似冒用他人的码</translation>
    </message>
    <message>
      <source>Not recorded: %1</source>
      <translation>未记录：%1</translation>
    </message>
    <message>
      <source>Valid</source>
      <translation>有效</translation>
    </message>
  </context>
  <context>
    <name>StaffAlerts</name>
    <message>
      <source>Gate fault: %1. Admissions show amber: check the gate, or open it by hand (Staff menu)</source>
      <translation>闸机故障：%1。通过的码显示为黄色：请检查闸机，或手动开闸（员工菜单）</translation>
    </message>
    <message>
      <source>The other gates cannot be reached: valid codes show amber, check each holder (%1 to write back)</source>
      <translation>无法连接其他闸机：有效的码显示为黄色，请逐一核验（%1 条待回写）</translation>
    </message>
    <message>
      <source>Trust data expires in %1: connect the terminal so it can sync</source>
      <translation>信任数据将在 %1后过期：请让终端联网同步</translation>
    </message>
    <message>
      <source>The terminal clock may be wrong (%1 from the platform): set the time</source>
      <translation>终端时钟可能不准（与平台相差 %1）：请校准时间</translation>
    </message>
    <message>
      <source>%1 scan records waiting for upload: check the network</source>
      <translation>%1 条核验记录待上传：请检查网络</translation>
    </message>
    <message>
      <source>No camera picture: check the camera and its cable</source>
      <translation>摄像头无画面：请检查摄像头及连线</translation>
    </message>
  </context>
  <context>
    <name>StaffButton</name>
    <message>
      <source>Staff: %1</source>
      <translation>员工：%1</translation>
    </message>
    <message>
      <source>Staff sign-in</source>
      <translation>员工登录</translation>
    </message>
    <message>
      <source>Sign in…</source>
      <translation>员工登录…</translation>
    </message>
    <message>
      <source>Sign in as someone else…</source>
      <translation>换人登录…</translation>
    </message>
    <message>
      <source>Sign out</source>
      <translation>退出登录</translation>
    </message>
    <message>
      <source>Mark a verdict disputed…</source>
      <translation>标记异议…</translation>
    </message>
    <message>
      <source>Paper certificate checked by hand…</source>
      <translation>人工核验纸质证明…</translation>
    </message>
    <message>
      <source>Open the gate by hand…</source>
      <translation>手动开闸…</translation>
    </message>
  </context>
  <context>
    <name>StaffCodesDialog</name>
    <message>
      <source>Staff codes</source>
      <translation>员工编号</translation>
    </message>
    <message>
      <source>Remove the selected code</source>
      <translation>删除所选编号</translation>
    </message>
    <message>
      <source>Staff code</source>
      <translation>员工编号</translation>
    </message>
    <message>
      <source>Their PIN</source>
      <translation>该员工的密码</translation>
    </message>
    <message>
      <source>Repeat the PIN</source>
      <translation>再次输入密码</translation>
    </message>
    <message>
      <source>A staff code is the venue's code for a person (letters, digits, _ and -), never a name or an ID number.</source>
      <translation>员工编号是场所为工作人员分配的代码（字母、数字、_ 和 -），不能是姓名或身份证号。</translation>
    </message>
    <message>
      <source>Add, or set a new PIN</source>
      <translation>添加，或设置新密码</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>The two PINs differ</source>
      <translation>两次输入的密码不一致</translation>
    </message>
    <message>
      <source>This terminal holds at most %1 staff codes</source>
      <translation>本终端最多保存 %1 个员工编号</translation>
    </message>
    <message>
      <source>A staff code is 1 to 32 letters, digits, _ or -</source>
      <translation>员工编号为 1 至 32 个字母、数字、_ 或 -</translation>
    </message>
  </context>
  <context>
    <name>StatusStrip</name>
    <message>
      <source>Not enrolled (local files)</source>
      <translation>未注册（本地文件）</translation>
    </message>
    <message>
      <source>Offline</source>
      <translation>离线</translation>
    </message>
    <message>
      <source>Not synced yet</source>
      <translation>尚未同步</translation>
    </message>
    <message>
      <source>Online</source>
      <translation>在线</translation>
    </message>
    <message>
      <source>No trust data</source>
      <translation>无信任数据</translation>
    </message>
    <message>
      <source>Trust data out of date</source>
      <translation>信任数据已过期</translation>
    </message>
    <message>
      <source>Trust data %1 old</source>
      <translation>信任数据 %1 前更新</translation>
    </message>
    <message>
      <source>expires in %1</source>
      <translation>%1 后过期</translation>
    </message>
    <message>
      <source>Waiting for upload: %1</source>
      <translation>待上传：%1</translation>
    </message>
    <message>
      <source>Camera: live</source>
      <translation>摄像头：正常</translation>
    </message>
    <message>
      <source>Camera: starting</source>
      <translation>摄像头：启动中</translation>
    </message>
    <message>
      <source>Camera: no picture</source>
      <translation>摄像头：无画面</translation>
    </message>
    <message>
      <source>Camera: video ended</source>
      <translation>摄像头：视频已结束</translation>
    </message>
    <message>
      <source>Camera: reconnecting</source>
      <translation>摄像头：正在重连</translation>
    </message>
    <message>
      <source>Camera: error</source>
      <translation>摄像头：故障</translation>
    </message>
  </context>
  <context>
    <name>VerdictPanel</name>
    <message>
      <source>Next in %1 s · tap to skip</source>
      <translation>%1 秒后继续 · 轻触跳过</translation>
    </message>
  </context>
</TS>
