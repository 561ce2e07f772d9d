import { insertCategory, insertUnit, replaceSlaRules } from '../../db/repositories/reference-data'
import type { Calendar } from '../domain/calendar'
import type { Channel, Kind, Rating, ReturnReason, StaffRole, Urgency } from '../domain/codes'
import { HotlineError, invalidField } from '../domain/errors'
import { DEFAULT_SLA_RULES } from '../domain/sla'
import { STATUSES } from '../domain/status'
import type { Actor, Command, WorkOrder } from '../domain/work-order'
import { addDays, localDateOf, zonedToInstant, type LocalDate } from '../domain/zoned-time'
import { addUser } from './accounts'
import { forgetWorkingRules, workingRules } from './calendar'
import type { Deps } from './deps'
import type { FilingInput } from './schemas'
import { fileCase, performAction, rateByTrackingCode } from './work-orders'

/**
 * The demo district (演示数据): the city of 南昌 with 新建区, 红谷滩区 and 湾里管理局, their
 * handling units, a category tree, staff accounts of every role and a year of synthetic cases
 * driven through the real services on a simulated clock. Every name, phone number, address and
 * complaint here is made up; phone numbers all start 13800 so they are recognisably fake.
 */

/** What {@link seedDemo} takes. */
export interface DemoOptions {
  /** How many cases to file over the last 365 days (default 3000). */
  cases?: number
  /** The seed of the generator: the same seed and clock give the same district (default 2026). */
  seed?: number
  /** Progress lines (every 500 cases). */
  log?: (line: string) => void
}

/** A staff account the demo created, with its one-time password (shown once, never stored). */
export interface DemoUser {
  username: string
  role: StaffRole
  /** The unit's name, or null for city-wide roles. */
  unit: string | null
  password: string
}

/** What {@link seedDemo} created. */
export interface DemoResult {
  units: number
  categories: number
  users: DemoUser[]
  cases: number
  /** Cases per status after the simulation, e.g. `{ closed: 412, archived: 2411, … }`. */
  byStatus: Record<string, number>
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** Cases per transaction. */
const BATCH = 200
const DEFAULT_CASES = 3000
const DEFAULT_SEED = 2026

// ---------------------------------------------------------------------------------------------
// Reference data: the unit tree and the category tree
// ---------------------------------------------------------------------------------------------

/** What a unit handles: `local` means the street or town where the case arose (属地). */
type Handler = 'local' | 'cg' | 'zj' | 'sj' | 'rs' | 'jt' | 'ga' | 'jy' | 'wj' | 'sp'

interface LocalitySeed {
  code: string
  name: string
  level: 'street' | 'town'
  weight: number
  roads: readonly string[]
  places: readonly string[]
}

interface DepartmentSeed {
  code: string
  name: string
  handles: Handler
}

interface DistrictSeed {
  code: string
  name: string
  weight: number
  channels: Readonly<Record<Channel, number>>
  localities: readonly LocalitySeed[]
  departments: readonly DepartmentSeed[]
}

const CITY = { code: 'NC', name: '南昌市' }

const DISTRICTS: readonly DistrictSeed[] = [
  {
    code: 'XJ',
    name: '新建区',
    weight: 76,
    channels: {
      hotline_12345: 62,
      wenzheng: 11,
      ganfutong: 10,
      web: 7,
      window: 4,
      enterprise_visit: 3,
      other: 3,
    },
    localities: [
      {
        code: 'XJ-CB',
        name: '长堎街道',
        level: 'street',
        weight: 40,
        roads: ['长堎大道', '工业大道', '子实路', '文教路', '建设路', '新建大道'],
        places: ['阳光小区', '书香苑', '和顺家园', '锦绣花园', '长堎新村', '滨江名苑'],
      },
      {
        code: 'XJ-WC',
        name: '望城镇',
        level: 'town',
        weight: 28,
        roads: ['望城大道', '璜溪大道', '学府大道', '前湖大道'],
        places: ['望城新苑', '璜溪村', '星湖湾小区', '学苑小区', '丰和安置小区'],
      },
      {
        code: 'XJ-XS',
        name: '西山镇',
        level: 'town',
        weight: 16,
        roads: ['西山大道', '梦山路', '万寿宫路'],
        places: ['西山街村', '梦山村', '西山集镇', '万寿宫景区周边'],
      },
      {
        code: 'XJ-SG',
        name: '石岗镇',
        level: 'town',
        weight: 16,
        roads: ['石岗大道', '石岗街', '昌铜高速辅道'],
        places: ['石岗村', '小桥村', '石岗集镇', '岗前村'],
      },
    ],
    departments: [
      { code: 'XJ-CG', name: '新建区城管局', handles: 'cg' },
      { code: 'XJ-ZJ', name: '新建区住建局', handles: 'zj' },
      { code: 'XJ-SJ', name: '新建区市场监管局', handles: 'sj' },
      { code: 'XJ-RS', name: '新建区人社局', handles: 'rs' },
      { code: 'XJ-JT', name: '新建区交通运输局', handles: 'jt' },
      { code: 'XJ-GA', name: '新建区公安分局(非警务)', handles: 'ga' },
      { code: 'XJ-JY', name: '新建区教体局', handles: 'jy' },
      { code: 'XJ-WJ', name: '新建区卫健委', handles: 'wj' },
      { code: 'XJ-SP', name: '新建区行政审批局', handles: 'sp' },
    ],
  },
  {
    code: 'HGT',
    name: '红谷滩区',
    weight: 14,
    channels: {
      hotline_12345: 64,
      wenzheng: 11,
      ganfutong: 10,
      web: 8,
      window: 2,
      enterprise_visit: 2,
      other: 3,
    },
    localities: [
      {
        code: 'HGT-WD',
        name: '卫东街道',
        level: 'street',
        weight: 60,
        roads: ['凤凰中大道', '红谷中大道', '丰和中大道', '碟子湖大道'],
        places: ['名门世家小区', '凤凰城小区', '卫东小区', '怡园社区'],
      },
      {
        code: 'HGT-SJ',
        name: '沙井街道',
        level: 'street',
        weight: 40,
        roads: ['沙井路', '红角洲大道', '庐山南大道'],
        places: ['沙井新村', '锦江小区', '嘉福花园'],
      },
    ],
    departments: [{ code: 'HGT-CG', name: '红谷滩区城管局', handles: 'cg' }],
  },
  {
    code: 'WL',
    name: '湾里管理局',
    weight: 10,
    channels: {
      hotline_12345: 50,
      wenzheng: 26,
      ganfutong: 10,
      web: 6,
      window: 3,
      enterprise_visit: 2,
      other: 3,
    },
    localities: [
      {
        code: 'WL-XF',
        name: '幸福街道',
        level: 'street',
        weight: 50,
        roads: ['湾里大道', '幸福路', '翠岩路'],
        places: ['幸福小区', '湾里新苑', '翠岩社区'],
      },
      {
        code: 'WL-TP',
        name: '太平镇',
        level: 'town',
        weight: 25,
        roads: ['太平大道', '梅岭大道'],
        places: ['太平集镇', '楠树坪村', '太平村'],
      },
      {
        code: 'WL-ZX',
        name: '招贤镇',
        level: 'town',
        weight: 25,
        roads: ['招贤大道', '云湾公路', '港下路'],
        places: ['港下村安置小区', '招贤集镇', '梅岭村'],
      },
    ],
    departments: [],
  },
]

/**
 * A complaint template. `{who}` is 来电人, 网民, 群众 or 企业 by channel; `{addr}`, `{place}`,
 * `{road}`, `{road2}`, `{community}`, `{shop}`, `{company}`, `{school}`, `{hospital}`, `{n}`,
 * `{n2}`, `{months}`, `{amount}` and `{bus}` are drawn per case. `answer` is what the dispatcher
 * can say on the phone to a consultation (直接答复).
 */
interface Template {
  kinds: readonly Kind[]
  title: string
  content: string
  answer?: string
  /** Share of non-consultation cases that are urgent (default 0.05). */
  urgent?: number
}

interface ChildSeed {
  code: string
  name: string
  handler: Handler
  templates: readonly Template[]
}

interface CategorySeed {
  code: string
  name: string
  handler: Handler
  children: readonly ChildSeed[]
  /** Replies a handling unit writes when it closes such a case. */
  replies: readonly string[]
}

const CATEGORIES: readonly CategorySeed[] = [
  {
    code: 'city',
    name: '城市管理',
    handler: 'cg',
    replies: [
      '{unit}接单后即安排执法队员赴现场核查,已于{date}责令相关责任人整改到位,并将加强日常巡查,已电话告知来电人。',
      '经{unit}现场核实,反映情况属实。已于{date}组织人员处理完毕,后续将纳入网格化巡查,防止问题反弹。',
    ],
    children: [
      {
        code: 'city.litter',
        name: '环境卫生',
        handler: 'local',
        templates: [
          {
            kinds: ['complaint', 'help'],
            title: '{community}垃圾清运不及时',
            content:
              '{who}反映{addr}附近垃圾桶满溢,垃圾已堆放{n}天无人清运,天气炎热气味很大,蚊蝇滋生,请相关部门尽快处理。',
          },
          {
            kinds: ['complaint'],
            title: '{road}路面脏乱保洁不到位',
            content:
              '{who}反映{road}({place}路段)路面长期有砂石泥土洒落,环卫保洁不到位,下雨天泥泞不堪,希望加强保洁。',
          },
          {
            kinds: ['suggestion'],
            title: '建议在{community}增设分类垃圾投放点',
            content: '{who}建议在{addr}增设分类垃圾投放点,目前小区只有{n}个垃圾桶,远远不够用。',
          },
        ],
      },
      {
        code: 'city.vendor',
        name: '占道经营',
        handler: 'cg',
        templates: [
          {
            kinds: ['complaint'],
            title: '{road}占道经营影响通行',
            content:
              '{who}反映{road}与{road2}交叉口每天傍晚有流动摊贩占道经营,{shop}也把桌椅摆到人行道上,行人只能走机动车道,存在安全隐患。',
          },
          {
            kinds: ['report'],
            title: '{shop}长期出店经营',
            content: '{who}举报{addr}的{shop}长期出店经营,油烟和垃圾影响周边居民,多次劝说无果。',
          },
        ],
      },
      {
        code: 'city.building',
        name: '违章搭建',
        handler: 'cg',
        templates: [
          {
            kinds: ['report'],
            title: '{community}顶楼违章搭建',
            content:
              '{who}举报{addr}顶楼住户正在违规搭建彩钢棚,已施工{n}天,担心影响房屋结构安全,请城管部门核查。',
          },
          {
            kinds: ['complaint', 'report'],
            title: '{community}一楼住户私自圈占绿地',
            content: '{who}反映{addr}一楼住户私自砌墙圈占小区公共绿地作为私家花园,物业制止无效。',
          },
        ],
      },
      {
        code: 'city.noise',
        name: '噪音扰民',
        handler: 'cg',
        templates: [
          {
            kinds: ['complaint'],
            title: '{road}夜间施工噪音扰民',
            content:
              '{who}反映{road}附近工地每天夜间22点后仍在施工,机械噪音很大,严重影响周边居民休息,请核查是否办理夜间施工许可。',
            urgent: 0.12,
          },
          {
            kinds: ['complaint'],
            title: '{shop}音响噪音扰民',
            content:
              '{who}反映{addr}的{shop}每天晚上在门口用音响播放促销广告,声音很大,影响居民休息。',
          },
        ],
      },
    ],
  },
  {
    code: 'housing',
    name: '住房建设',
    handler: 'zj',
    replies: [
      '{unit}已约谈相关物业(开发)企业,责令其限期整改,目前已于{date}整改完毕,并已电话回复来电人。',
      '经{unit}核实,已协调相关责任单位制定处理方案,于{date}落实到位。{unit}将持续跟踪,确保问题不反弹。',
    ],
    children: [
      {
        code: 'housing.property',
        name: '物业管理',
        handler: 'zj',
        templates: [
          {
            kinds: ['complaint'],
            title: '{community}物业服务不到位',
            content:
              '{who}反映{addr}物业公司服务不到位:电梯经常故障、地下车库照明损坏、绿化无人打理,业主多次反映未解决。',
          },
          {
            kinds: ['consultation'],
            title: '咨询更换物业公司的程序',
            content: '{who}咨询{community}业主想更换物业公司,需要履行什么程序,业主委员会如何成立。',
            answer:
              '更换物业服务企业须由业主大会依法表决,成立业主委员会可向所在街道(乡镇)提出申请,由其指导筹备。',
          },
          {
            kinds: ['help'],
            title: '{community}电梯故障频繁',
            content:
              '{who}反映{addr}{n}号楼电梯频繁故障,今天又出现困人情况,物业维修不及时,请求相关部门督促处理。',
            urgent: 0.3,
          },
        ],
      },
      {
        code: 'housing.renovation',
        name: '老旧小区改造',
        handler: 'zj',
        templates: [
          {
            kinds: ['consultation'],
            title: '咨询{community}是否纳入老旧小区改造',
            content: '{who}咨询{addr}是否纳入今年老旧小区改造计划,改造内容包括哪些。',
            answer:
              '老旧小区改造计划由区住建部门会同街道(乡镇)确定,名单以公示为准;改造内容一般包括管网、道路、外立面及配套设施。',
          },
          {
            kinds: ['complaint'],
            title: '{community}改造施工进度缓慢',
            content:
              '{who}反映{addr}老旧小区改造施工已停工{n}周,路面挖开后未恢复,居民出行不便,雨天积水严重。',
          },
        ],
      },
      {
        code: 'housing.elevator',
        name: '加装电梯',
        handler: 'zj',
        templates: [
          {
            kinds: ['consultation'],
            title: '咨询既有住宅加装电梯政策',
            content: '{who}咨询{community}想加装电梯,有什么补贴政策,需要多少业主同意。',
            answer:
              '既有住宅加装电梯须经本单元业主依法表决同意,补贴标准以区住建部门公布的政策为准,可向所在社区申请指导。',
          },
          {
            kinds: ['help'],
            title: '加装电梯协调困难',
            content: '{who}反映{addr}{n}单元加装电梯,一楼住户坚决反对,希望社区和住建部门帮助协调。',
          },
        ],
      },
      {
        code: 'housing.quality',
        name: '房屋质量',
        handler: 'zj',
        templates: [
          {
            kinds: ['complaint'],
            title: '新房交付后墙面开裂渗水',
            content:
              '{who}反映其在{community}购买的商品房交房不到一年,卫生间和外墙多处渗水开裂,开发商推诿不予维修。',
          },
          {
            kinds: ['complaint'],
            title: '{community}逾期未交房',
            content:
              '{who}反映购买的{community}商品房合同约定交房时间已过{months}个月,开发商至今未交房,也未给出说法。',
          },
        ],
      },
    ],
  },
  {
    code: 'market',
    name: '市场监管',
    handler: 'sj',
    replies: [
      '{unit}执法人员已于{date}到现场检查,对经营者的违规行为依法责令改正,并已将处理结果告知来电人。',
      '经{unit}调解,经营者同意按规定退换(赔偿),双方已达成一致,来电人表示认可。',
    ],
    children: [
      {
        code: 'market.food',
        name: '食品安全',
        handler: 'sj',
        templates: [
          {
            kinds: ['report'],
            title: '举报{shop}食品卫生问题',
            content:
              '{who}举报{addr}的{shop}后厨卫生脏乱,操作人员未戴口罩手套,疑似使用过期食材,请市场监管部门检查。',
          },
          {
            kinds: ['complaint'],
            title: '购买到过期食品',
            content: '{who}反映在{addr}一家超市购买的牛奶已过保质期{n}天,与商家协商退换被拒绝。',
          },
        ],
      },
      {
        code: 'market.consumer',
        name: '消费维权',
        handler: 'sj',
        templates: [
          {
            kinds: ['complaint', 'help'],
            title: '预付卡商家关门无法退费',
            content:
              '{who}反映在{addr}的一家健身房办理了预付卡,余额约{amount}元,现商家突然关门,无法联系,请求帮助维权。',
          },
          {
            kinds: ['complaint'],
            title: '电动车质量问题商家拒不处理',
            content:
              '{who}反映在{place}一家门店购买的电动车使用{n}天后电池故障,商家拒绝按三包规定维修更换。',
          },
          {
            kinds: ['consultation'],
            title: '咨询消费纠纷投诉渠道',
            content: '{who}咨询在外地网店购物发生纠纷,应该向哪里投诉。',
            answer:
              '可通过全国12315平台或拨打12315向经营者所在地市场监管部门投诉,并保留好订单、聊天记录等凭证。',
          },
        ],
      },
      {
        code: 'market.price',
        name: '价格收费',
        handler: 'sj',
        templates: [
          {
            kinds: ['complaint'],
            title: '{community}停车费上涨未公示',
            content:
              '{who}反映{addr}地下停车场月租费每月上涨{n}0元,事先未经公示,要求核查是否合规。',
          },
          {
            kinds: ['report'],
            title: '{shop}未明码标价',
            content: '{who}举报{addr}的{shop}商品未明码标价,结账时价格与口头报价不一致。',
          },
        ],
      },
    ],
  },
  {
    code: 'labor',
    name: '劳动保障',
    handler: 'rs',
    replies: [
      '经{unit}劳动保障监察大队调查,已责令用人单位于{date}前依法支付,目前款项已到位,来电人确认收到。',
      '{unit}已电话联系来电人,详细解释了相关政策和办理流程,并告知后续可到区人社服务大厅现场办理。',
    ],
    children: [
      {
        code: 'labor.wages',
        name: '拖欠工资',
        handler: 'rs',
        templates: [
          {
            kinds: ['help', 'complaint'],
            title: '{company}拖欠农民工工资',
            content:
              '{who}反映其在{place}一处工地务工,{company}拖欠其及{n}名工友工资共计约{amount}元已{months}个月,多次讨要未果,请求帮助。',
            urgent: 0.15,
          },
          {
            kinds: ['complaint'],
            title: '离职后公司拒发最后一个月工资',
            content: '{who}反映从{company}离职后,公司以各种理由拒绝发放最后一个月工资{amount}元。',
          },
        ],
      },
      {
        code: 'labor.insurance',
        name: '社保医保',
        handler: 'rs',
        templates: [
          {
            kinds: ['consultation'],
            title: '咨询灵活就业人员社保缴费',
            content: '{who}咨询灵活就业人员如何在本地缴纳养老保险和医疗保险,缴费基数是多少。',
            answer:
              '灵活就业人员可通过赣服通或到区社保经办窗口办理参保登记,缴费基数在规定上下限之间自行选择。',
          },
          {
            kinds: ['consultation'],
            title: '咨询异地就医备案',
            content: '{who}咨询在外地住院如何办理异地就医备案和报销。',
            answer:
              '可通过国家医保服务平台APP或赣服通办理异地就医备案,备案后在就医地定点医院可直接结算。',
          },
          {
            kinds: ['complaint'],
            title: '单位未按规定缴纳社保',
            content: '{who}反映{company}入职{months}个月未给其缴纳社会保险。',
          },
        ],
      },
      {
        code: 'labor.jobs',
        name: '就业创业',
        handler: 'rs',
        templates: [
          {
            kinds: ['consultation'],
            title: '咨询创业担保贷款申请条件',
            content: '{who}咨询个人申请创业担保贷款的条件和额度。',
            answer:
              '符合条件的个人可携带身份证、营业执照到区就业创业服务中心申请创业担保贷款,享受财政贴息。',
          },
          {
            kinds: ['consultation', 'help'],
            title: '咨询失业保险金申领',
            content: '{who}咨询被公司辞退后如何申领失业保险金。',
            answer: '符合条件的可通过赣服通或社保窗口申领失业保险金,需提供解除劳动合同证明。',
          },
        ],
      },
    ],
  },
  {
    code: 'transport',
    name: '交通出行',
    handler: 'jt',
    replies: [
      '{unit}已安排养护单位于{date}完成维修,并设置警示标志,已电话告知来电人。',
      '经{unit}核实,已责成运营单位整改,并加强日常监督检查,处理结果已反馈来电人。',
    ],
    children: [
      {
        code: 'transport.road',
        name: '道路设施',
        handler: 'jt',
        templates: [
          {
            kinds: ['help', 'complaint'],
            title: '{road}路面塌陷存在安全隐患',
            content:
              '{who}反映{road}({place}附近)路面出现塌陷坑,直径约{n}0厘米,夜间车辆经过容易发生事故,请尽快维修。',
            urgent: 0.25,
          },
          {
            kinds: ['help'],
            title: '{road}井盖缺失',
            content: '{who}反映{road}{place}路段人行道有一处井盖缺失,仅用树枝遮挡,存在安全隐患。',
            urgent: 0.3,
          },
        ],
      },
      {
        code: 'transport.bus',
        name: '公交出行',
        handler: 'jt',
        templates: [
          {
            kinds: ['suggestion'],
            title: '建议增开至{community}的公交线路',
            content:
              '{who}建议增开或延伸公交线路至{addr},目前最近的公交站点步行需{n}0分钟,出行不便。',
          },
          {
            kinds: ['complaint'],
            title: '{bus}路公交车发车间隔过长',
            content:
              '{who}反映{bus}路公交车早高峰经常间隔{n}0分钟以上才来一班,且存在不进站停靠的情况。',
          },
        ],
      },
      {
        code: 'transport.parking',
        name: '停车秩序',
        handler: 'ga',
        templates: [
          {
            kinds: ['complaint'],
            title: '{community}门口车辆乱停堵塞通道',
            content: '{who}反映{addr}门口经常有车辆乱停乱放,堵塞消防通道,出行困难。',
          },
          {
            kinds: ['help'],
            title: '车辆被堵无法驶出',
            content: '{who}反映其车辆停在{addr},被一辆外来车辆堵住无法驶出,联系不上车主,请求帮助。',
            urgent: 0.5,
          },
        ],
      },
      {
        code: 'transport.taxi',
        name: '出租车网约车',
        handler: 'jt',
        templates: [
          {
            kinds: ['complaint'],
            title: '出租车绕路多收费',
            content: '{who}反映在{road}乘坐出租车,司机绕路多收费约{n}0元,要求处理。',
          },
          {
            kinds: ['report'],
            title: '{road}非法营运车辆揽客',
            content: '{who}举报{road}公交站附近长期有非法营运车辆揽客。',
          },
        ],
      },
    ],
  },
  {
    code: 'edu',
    name: '教育医疗',
    handler: 'jy',
    replies: [
      '{unit}已于{date}约谈相关学校(机构)负责人,责令规范整改,并已将处理情况告知来电人。',
      '经{unit}核查,已督促相关单位优化服务流程,问题已得到解决,来电人表示理解。',
    ],
    children: [
      {
        code: 'edu.school',
        name: '入学就学',
        handler: 'jy',
        templates: [
          {
            kinds: ['consultation'],
            title: '咨询小学入学划片',
            content: '{who}咨询{community}对应的公办小学学区划分及报名时间。',
            answer:
              '义务教育招生划片以区教体局每年发布的招生公告为准,一般在6月下旬网上报名,可向片区学校咨询。',
          },
          {
            kinds: ['complaint'],
            title: '{school}以资料费名义收费',
            content: '{who}反映{school}以资料费名义向学生收取费用每人{n}0元,要求核查。',
          },
        ],
      },
      {
        code: 'edu.training',
        name: '校外培训',
        handler: 'jy',
        templates: [
          {
            kinds: ['report'],
            title: '举报无证校外培训机构',
            content: '{who}举报{addr}有一家培训机构未取得办学许可,违规开展学科类培训。',
          },
          {
            kinds: ['complaint'],
            title: '培训机构拒绝退费',
            content:
              '{who}反映在{addr}一家培训机构为孩子报名课程,现要求退还剩余课时费约{amount}元被拒绝。',
          },
        ],
      },
      {
        code: 'edu.medical',
        name: '医疗卫生',
        handler: 'wj',
        templates: [
          {
            kinds: ['complaint'],
            title: '{hospital}就医排队时间过长',
            content: '{who}反映在{hospital}就诊挂号、缴费、取药排队时间过长,窗口开放不足。',
          },
          {
            kinds: ['consultation'],
            title: '咨询儿童疫苗接种地点',
            content: '{who}咨询{place}附近的儿童疫苗接种门诊地点及接种时间。',
            answer: '已告知辖区预防接种门诊的地址和开放时间,接种时请携带预防接种证。',
          },
          {
            kinds: ['report'],
            title: '举报诊所非法行医',
            content: '{who}举报{addr}一家诊所无医师执业资格给人输液。',
          },
        ],
      },
    ],
  },
  {
    code: 'business',
    name: '营商环境',
    handler: 'sp',
    replies: [
      '{unit}已建立专人帮办机制,于{date}协调相关部门为企业(群众)办结相关事项,企业(群众)表示满意。',
      '经{unit}协调,相关部门已明确办理时限和材料清单,并安排专人全程跟踪,处理情况已反馈。',
    ],
    children: [
      {
        code: 'business.approval',
        name: '审批办事',
        handler: 'sp',
        templates: [
          {
            kinds: ['help', 'complaint'],
            title: '营业执照变更多次往返未办成',
            content:
              '{who}反映在政务服务中心办理营业执照地址变更,因材料要求不明确多次往返仍未办成,到"办不成事"反映窗口求助。',
          },
          {
            kinds: ['complaint'],
            title: '施工许可审批超过承诺时限',
            content: '{who}反映申报的厂房施工许可已超过承诺办结时限{n}个工作日仍未批复。',
          },
          {
            kinds: ['consultation'],
            title: '咨询食品经营许可办理材料',
            content: '{who}咨询在{place}开办餐饮店需办理哪些许可,需要准备什么材料。',
            answer: '食品经营许可可通过赣服通网上申请,已告知所需材料清单及办理时限。',
          },
        ],
      },
      {
        code: 'business.policy',
        name: '惠企政策',
        handler: 'sp',
        templates: [
          {
            kinds: ['consultation'],
            title: '咨询惠企政策兑现',
            content: '{who}咨询今年的稳岗补贴和惠企资金如何申报兑现。',
            answer: '可通过"惠企通"平台申报,符合条件的免申即享,已告知咨询电话。',
          },
          {
            kinds: ['complaint'],
            title: '奖励资金迟迟未兑现',
            content: '{who}反映去年申报的招商引资奖励资金约{amount}元至今未兑现。',
          },
        ],
      },
      {
        code: 'business.enterprise',
        name: '企业诉求',
        handler: 'sp',
        templates: [
          {
            kinds: ['help'],
            title: '企业用电增容协调',
            content:
              '{company}反映在{place}的新厂房投产需要用电增容,申请已{n}周未安排,影响生产,请求协调。',
          },
          {
            kinds: ['help'],
            title: '厂区门口道路未硬化',
            content: '{company}反映厂区门口道路尚未硬化,货车进出困难,请求协调解决。',
          },
          {
            kinds: ['suggestion'],
            title: '建议开通园区通勤公交',
            content: '{who}建议开通园区到城区的通勤公交,方便员工上下班。',
          },
        ],
      },
    ],
  },
  {
    code: 'other',
    name: '其他',
    handler: 'local',
    replies: [
      '{unit}已安排社区工作人员于{date}上门了解情况并协调处理,问题已解决,已电话回复来电人。',
      '经{unit}核实,已协调相关单位处理到位,来电人对处理结果表示认可。',
    ],
    children: [
      {
        code: 'other.hukou',
        name: '户籍证件',
        handler: 'ga',
        templates: [
          {
            kinds: ['consultation'],
            title: '咨询新生儿落户',
            content: '{who}咨询新生儿办理落户需要什么材料,能否网上办理。',
            answer:
              '新生儿落户可通过赣服通"出生一件事"办理,或携带出生医学证明、父母户口簿和身份证到派出所户籍窗口办理。',
          },
          {
            kinds: ['consultation'],
            title: '咨询身份证异地补办',
            content: '{who}咨询身份证丢失后能否在本地补办。',
            answer: '居民身份证可在全国范围内异地补领,可就近到派出所户籍窗口办理。',
          },
          {
            kinds: ['complaint'],
            title: '户籍窗口等候时间过长',
            content: '{who}反映在{place}派出所办理户口迁移,窗口只开一个,等候时间过长。',
          },
        ],
      },
      {
        code: 'other.assist',
        name: '非警务求助',
        handler: 'ga',
        templates: [
          {
            kinds: ['help'],
            title: '{community}流浪犬追咬行人',
            content: '{who}反映{addr}附近有多条流浪犬,经常追咬行人,请求处理。',
          },
          {
            kinds: ['help'],
            title: '独居老人联系不上',
            content: '{who}反映其父亲独居在{addr},连续两天联系不上,本人在外地,请求帮助上门查看。',
            urgent: 0.6,
          },
        ],
      },
      {
        code: 'other.community',
        name: '社区事务',
        handler: 'local',
        templates: [
          {
            kinds: ['suggestion'],
            title: '建议{community}增设健身器材',
            content: '{who}建议在{addr}小区广场增设健身器材和休息座椅。',
          },
          {
            kinds: ['help'],
            title: '{community}停水未提前通知',
            content: '{who}反映{addr}从今天早上开始停水,事先未接到任何通知,请求了解恢复时间。',
            urgent: 0.5,
          },
          {
            kinds: ['complaint'],
            title: '{community}下水道堵塞污水外溢',
            content: '{who}反映{addr}楼下下水道堵塞,污水外溢{n}天,臭味严重。',
          },
        ],
      },
      {
        code: 'other.misc',
        name: '其他事项',
        handler: 'local',
        templates: [
          {
            kinds: ['consultation'],
            title: '咨询便民服务中心办公时间',
            content: '{who}咨询{place}便民服务中心的办公时间和可办理事项。',
            answer: '便民服务中心工作日上午8:30-12:00、下午14:30-17:30对外办公,已告知可办理事项。',
          },
          {
            kinds: ['suggestion'],
            title: '建议增设自助办理设备',
            content: '{who}建议在{place}便民服务中心设置更多自助办理设备,方便群众办事。',
          },
        ],
      },
    ],
  },
]

/** Top-level category weights by channel (the window and company visits are mostly business). */
const TOPIC_WEIGHTS: Readonly<
  Record<'default' | 'window' | 'enterprise_visit', Record<string, number>>
> = {
  default: {
    city: 26,
    housing: 18,
    market: 12,
    labor: 9,
    transport: 12,
    edu: 9,
    business: 5,
    other: 9,
  },
  window: { business: 60, labor: 15, housing: 10, other: 15 },
  enterprise_visit: { business: 70, labor: 15, market: 10, transport: 5 },
}

/** Calls that turn out to be nothing (无效件), filed under 其他事项. */
const JUNK: readonly Template[] = [
  {
    kinds: ['consultation'],
    title: '无具体诉求来电',
    content: '来电人接通后未说明具体诉求,多次询问无应答后挂断。',
  },
  { kinds: ['consultation'], title: '测试来电', content: '来电人称测试热线是否畅通,无具体诉求。' },
  {
    kinds: ['complaint'],
    title: '反映外地事项',
    content: '{who}反映的是外省某市的问题,不属本市受理范围。',
  },
]
const INVALID_NOTES = [
  '来电人无具体诉求,按无效件处理',
  '经核实,诉求内容与事实不符',
  '不属本市受理范围,已告知来电人向属地反映',
  '重复拨打,无实质内容',
]

const GENERIC_REPLIES = [
  '经{unit}核实,反映情况属实。我单位已于{date}安排工作人员到现场处理,问题已解决,并已电话回复来电人。',
  '{unit}接单后立即组织人员核查,已按相关规定处理到位,并于{date}将处理结果告知来电人。',
]
const EXTENSION_BASES = [
  '涉及多部门协调,需进一步会商处理',
  '需等待施工队进场维修,工期较长',
  '需委托第三方现场检测,检测报告出具需要时间',
  '涉及历史遗留问题,需调取档案核实',
  '当事企业负责人在外地,需协调约谈时间',
]
const SATISFIED_COMMENTS = [
  '处理及时',
  '工作人员态度很好',
  '问题已解决,谢谢',
  '回复清楚',
  '效率很高',
]
const DISSATISFIED_COMMENTS = ['问题没有解决', '只是电话回复,没有到现场', '处理太慢', '相互推诿']
const SHOPS = [
  '一家烧烤店',
  '一家夜宵大排档',
  '一家火锅店',
  '一家水果店',
  '一家五金店',
  '一家奶茶店',
  '一家汽修店',
  '一家KTV',
]
const COMPANIES = [
  '某建筑劳务公司',
  '某物流公司',
  '某电子厂',
  '某装饰工程公司',
  '某餐饮公司',
  '某制衣厂',
  '某科技公司',
]
const SCHOOLS = ['辖区一所民办小学', '某中心小学', '某公办初中']
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗熊邹万涂喻饶余付'
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '华',
  '平',
  '刚',
  '桂英',
  '建华',
  '志强',
  '小红',
  '春梅',
  '国平',
  '文',
  '海燕',
  '晓东',
]
/** Relative weight of each local hour (0–23) for calls and messages. */
const HOUR_WEIGHTS = [
  0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 3.5, 6, 6.5, 5.5, 3, 3.5, 5, 5.5, 5, 4, 2.5, 2, 1.8, 1.4,
  0.9, 0.5,
]

// ---------------------------------------------------------------------------------------------
// Randomness and local time
// ---------------------------------------------------------------------------------------------

/** A seeded generator (mulberry32) with the draws the demo needs. */
class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return at(items, Math.floor(this.next() * items.length))
  }

  /** An index drawn with the given relative weights. */
  index(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0)
    let r = this.next() * total
    for (let i = 0; i < weights.length; i++) {
      r -= at(weights, i)
      if (r < 0) return i
    }
    return weights.length - 1
  }

  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    return at(items, this.index(items.map(weight)))
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = at(items, i)
      items[i] = at(items, j)
      items[j] = tmp
    }
    return items
  }
}

function at<T>(items: readonly T[], i: number): T {
  const item = items[i]
  if (item === undefined) throw new Error(`demo: no item ${i} of ${items.length}`)
  return item
}

function fill(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '')
}

/** Local days, minutes and office hours in the report zone, on the working-day calendar. */
class LocalTime {
  constructor(
    private readonly timeZone: string,
    private readonly calendar: Calendar,
    private readonly rng: Rng,
  ) {}

  day(ms: number): LocalDate {
    return localDateOf(new Date(ms), this.timeZone)
  }

  /** The instant of a local day plus minutes (seconds allowed as a fraction). */
  at(day: LocalDate, minutes: number): number {
    const s = Math.floor(minutes * 60)
    const time = `${Math.floor(s / 3600)}:${Math.floor(s / 60) % 60}:${s % 60}`
    return Date.parse(zonedToInstant(day, time, this.timeZone))
  }

  minutes(ms: number): number {
    return (ms - this.at(this.day(ms), 0)) / MINUTE
  }

  isWorkday(day: LocalDate): boolean {
    return this.calendar.isWorkday(day)
  }

  nextWorkday(day: LocalDate): LocalDate {
    let d = addDays(day, 1)
    while (!this.isWorkday(d)) d = addDays(d, 1)
    return d
  }

  /** The first moment from `ms` within a unit's office hours (working days 08:30–17:30). */
  office(ms: number): number {
    const day = this.day(ms)
    const m = this.minutes(ms)
    if (this.isWorkday(day)) {
      if (m >= 510 && m < 1050) return ms
      if (m < 510) return this.at(day, 510 + this.rng.int(0, 60) + this.rng.next())
    }
    return this.at(this.nextWorkday(day), 510 + this.rng.int(0, 90) + this.rng.next())
  }

  /** The first moment from `ms` when the dispatch centre works its queue (daily 08:00–21:00). */
  centre(ms: number): number {
    const day = this.day(ms)
    const m = this.minutes(ms)
    if (m >= 480 && m < 1260) return ms
    const next = m < 480 ? day : addDays(day, 1)
    return this.at(next, 480 + this.rng.int(0, 45) + this.rng.next())
  }
}

// ---------------------------------------------------------------------------------------------
// The seeded world
// ---------------------------------------------------------------------------------------------

interface LocalityInfo {
  id: number
  seed: LocalitySeed
}

interface DistrictInfo {
  id: number
  seed: DistrictSeed
  localities: LocalityInfo[]
  /** Department unit ids by what they handle. */
  departments: Map<Handler, number>
  /** Every handling unit of the district. */
  units: number[]
}

interface ChildInfo {
  id: number
  seed: ChildSeed
  top: CategorySeed
}

interface World {
  districts: DistrictInfo[]
  topics: Map<string, ChildInfo[]>
  unitNames: Map<number, string>
  localUnits: Set<number>
  caseworkers: Map<number, Actor>
  dispatchers: Actor[]
  supervisor: Actor
}

/** What happens to a case, decided up front so the shares are stable for any seed. */
type Plot =
  | 'normal'
  | 'invalid'
  | 'merged'
  | 'returned'
  | 'returnRejected'
  | 'extension'
  | 'late'
  | 'dissatisfied'
  | 'stuck'
  | 'undispatched'
  | 'pendingReturn'
  | 'pendingExtension'

/** Shares of the historical plots among cases old enough to have finished. */
const PLOT_SHARES: readonly [Plot, number][] = [
  ['invalid', 0.015],
  ['merged', 0.01],
  ['returned', 0.02],
  ['returnRejected', 0.005],
  ['extension', 0.03],
  ['late', 0.04],
  ['dissatisfied', 0.02],
]

interface Slot {
  at: number
  district: DistrictInfo
  channel: Channel
  plot: Plot
}

/** A filed case remembered as a possible master for later duplicates. */
interface Recent {
  id: number
  caseNumber: string
  at: number
  input: FilingInput
}

interface Draft {
  input: FilingInput
  filer: Actor
  unitId: number
  top: CategorySeed
  template: Template
  master: Recent | null
}

/** Thrown when the next action would fall after the end of the simulation. */
const BEYOND = Symbol('beyond the end of the simulation')

// ---------------------------------------------------------------------------------------------
// The entry point
// ---------------------------------------------------------------------------------------------

/**
 * Seeds a realistic demo district into an empty database: the unit tree (南昌市 → 新建区, 红谷滩区,
 * 湾里管理局 → streets, towns and departments), a two-level category tree with default units, the
 * default SLA rules, staff accounts of every role with one-time passwords, and a year of synthetic
 * cases ending at `deps.clock()`. Every case goes through the real `fileCase` and `performAction`
 * on a simulated clock (dispatch, sign, close, callbacks, returns, extensions, reopens, urges,
 * merges, invalid calls, archiving), so the audit trail, rollups and figures are what the system
 * itself would produce; recent cases are left open so every queue has content. The same seed and
 * clock give the same district. Refuses (`conflict`) when the database already has units or cases.
 *
 * @example
 * const result = await seedDemo(deps, { cases: 3000, log: console.log })
 * for (const u of result.users) console.log(u.username, u.role, u.unit ?? '', u.password)
 */
export async function seedDemo(deps: Deps, options: DemoOptions = {}): Promise<DemoResult> {
  const cases = options.cases ?? DEFAULT_CASES
  const seed = options.seed ?? DEFAULT_SEED
  const log = options.log ?? (() => {})
  if (!Number.isInteger(cases) || cases < 1 || cases > 200_000) {
    throw invalidField('cases', 'must be a whole number from 1 to 200000')
  }
  if (!Number.isInteger(seed)) throw invalidField('seed', 'must be a whole number')
  const end = deps.clock().getTime()
  const start = end - 365 * DAY

  const [anyUnit, anyCase] = await Promise.all([
    deps.db.selectFrom('units').select('id').limit(1).executeTakeFirst(),
    deps.db.selectFrom('work_orders').select('id').limit(1).executeTakeFirst(),
  ])
  if (anyUnit || anyCase) {
    throw new HotlineError(
      'conflict',
      'the database already has units or cases; the demo seeds an empty database only',
    )
  }

  const setupAt = new Date(start - DAY)
  const { world, users, units, categories } = await deps.db
    .transaction()
    .execute((trx) => seedReference({ ...deps, db: trx, clock: () => setupAt }))
  forgetWorkingRules(deps)
  log(`demo: ${units} units, ${categories} categories, ${users.length} accounts`)

  const rng = new Rng(seed)
  const { calendar } = await workingRules(deps)
  const time = new LocalTime(deps.timeZone, calendar, rng)
  const slots = planSlots(rng, time, world, cases, start, end)

  let current = new Date(end)
  const sim: Deps = { ...deps, clock: () => current }
  const story = new Story(world, rng, time, end, (ms) => {
    current = new Date(ms)
  })
  for (let from = 0; from < slots.length; from += BATCH) {
    const batch = slots.slice(from, from + BATCH)
    await deps.db.transaction().execute(async (trx) => {
      const batchDeps: Deps = { ...sim, db: trx }
      for (const [i, slot] of batch.entries()) {
        await story.play(batchDeps, slot)
        const done = from + i + 1
        if (done % 500 === 0 || done === slots.length) log(`demo: ${done}/${slots.length} cases`)
      }
    })
  }

  const rows = await deps.db
    .selectFrom('work_orders')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('status')
    .execute()
  const counted = new Map(rows.map((r) => [r.status, Number(r.n)]))
  const byStatus: Record<string, number> = {}
  for (const status of STATUSES) {
    const n = counted.get(status)
    if (n) byStatus[status] = n
  }
  return { units, categories, users, cases: slots.length, byStatus }
}

// ---------------------------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------------------------

async function seedReference(
  deps: Deps,
): Promise<{ world: World; users: DemoUser[]; units: number; categories: number }> {
  const db = deps.db
  const now = deps.clock().toISOString()
  const unitNames = new Map<number, string>()
  const localUnits = new Set<number>()
  const unit = async (code: string, name: string, parentId: number | null, level: string) => {
    const id = await insertUnit(db, { code, name, parentId, level }, now)
    unitNames.set(id, name)
    return id
  }

  const cityId = await unit(CITY.code, CITY.name, null, 'city')
  const districts: DistrictInfo[] = []
  for (const d of DISTRICTS) {
    const id = await unit(d.code, d.name, cityId, 'district')
    const info: DistrictInfo = { id, seed: d, localities: [], departments: new Map(), units: [] }
    for (const l of d.localities) {
      const lid = await unit(l.code, l.name, id, l.level)
      info.localities.push({ id: lid, seed: l })
      info.units.push(lid)
      localUnits.add(lid)
    }
    for (const dep of d.departments) {
      const did = await unit(dep.code, dep.name, id, 'department')
      info.departments.set(dep.handles, did)
      info.units.push(did)
    }
    districts.push(info)
  }
  const home = at(districts, 0)
  const defaultUnit = (handler: Handler) =>
    handler === 'local' ? at(home.localities, 0).id : (home.departments.get(handler) ?? null)

  const topics = new Map<string, ChildInfo[]>()
  let categories = 0
  for (const top of CATEGORIES) {
    const topId = await insertCategory(
      db,
      { code: top.code, name: top.name, parentId: null, defaultUnitId: defaultUnit(top.handler) },
      now,
    )
    categories++
    const children: ChildInfo[] = []
    for (const child of top.children) {
      const id = await insertCategory(
        db,
        {
          code: child.code,
          name: child.name,
          parentId: topId,
          defaultUnitId: defaultUnit(child.handler),
        },
        now,
      )
      categories++
      children.push({ id, seed: child, top })
    }
    topics.set(top.code, children)
  }
  await replaceSlaRules(db, DEFAULT_SLA_RULES, now)

  const users: DemoUser[] = []
  const accounts: { username: string; role: StaffRole; unit: string | null; name: string }[] = [
    { username: 'dispatcher1', role: 'dispatcher', unit: home.seed.code, name: '热线办话务员一' },
    { username: 'dispatcher2', role: 'dispatcher', unit: home.seed.code, name: '热线办话务员二' },
    { username: 'supervisor', role: 'supervisor', unit: null, name: '督查科' },
    { username: 'reporter', role: 'reporter', unit: null, name: '统计员' },
    { username: 'admin', role: 'admin', unit: null, name: '系统管理员' },
  ]
  for (const d of DISTRICTS) {
    for (const u of [...d.localities, ...d.departments]) {
      accounts.push({
        username: `cw.${u.code.toLowerCase()}`,
        role: 'caseworker',
        unit: u.code,
        name: `${u.name}承办员`,
      })
    }
  }
  const taken = await db
    .selectFrom('users')
    .select('username')
    .where(
      'username',
      'in',
      accounts.map((a) => a.username),
    )
    .execute()
  if (taken.length > 0) {
    throw new HotlineError(
      'conflict',
      `the demo accounts ${taken.map((t) => t.username).join(', ')} already exist`,
    )
  }

  const caseworkers = new Map<number, Actor>()
  const dispatchers: Actor[] = []
  let supervisor: Actor | null = null
  for (const a of accounts) {
    const password = oneTimePassword(deps.randomBytes)
    const added = await addUser(deps, {
      username: a.username,
      role: a.role,
      unit: a.unit ?? undefined,
      password,
      displayName: a.name,
    })
    const unitName = added.unitId === null ? null : (unitNames.get(added.unitId) ?? null)
    users.push({ username: a.username, role: a.role, unit: unitName, password })
    const actor: Actor = { id: added.id, role: a.role, unitId: added.unitId, name: a.name }
    if (a.role === 'caseworker' && added.unitId !== null) caseworkers.set(added.unitId, actor)
    if (a.role === 'dispatcher') dispatchers.push(actor)
    if (a.role === 'supervisor') supervisor = actor
  }
  if (!supervisor) throw new Error('demo: no supervisor account')

  return {
    world: { districts, topics, unitNames, localUnits, caseworkers, dispatchers, supervisor },
    users,
    units: unitNames.size,
    categories,
  }
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789'

/** A 16-character password from `randomBytes`, without look-alike characters, unbiased. */
function oneTimePassword(randomBytes: (n: number) => Uint8Array, length = 16): string {
  const limit = 256 - (256 % PASSWORD_ALPHABET.length)
  let out = ''
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit && out.length < length)
        out += PASSWORD_ALPHABET.charAt(b % PASSWORD_ALPHABET.length)
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Planning: when cases arrive and what becomes of them
// ---------------------------------------------------------------------------------------------

function planSlots(
  rng: Rng,
  time: LocalTime,
  world: World,
  cases: number,
  start: number,
  end: number,
): Slot[] {
  const endDay = time.day(end)
  const slots: Slot[] = []
  for (let i = 0; i < cases; i++) {
    const district = rng.weighted(world.districts, (d) => d.seed.weight)
    const channels = Object.entries(district.seed.channels) as [Channel, number][]
    const channel = rng.weighted(channels, ([, w]) => w)[0]
    const officeOnly = channel === 'window' || channel === 'enterprise_visit'
    for (;;) {
      const day = addDays(endDay, -rng.int(0, 364))
      const workday = time.isWorkday(day)
      if (officeOnly && !workday) continue
      if (!workday && !rng.chance(0.45)) continue
      const minutes = officeOnly
        ? 540 + rng.int(0, 479) + rng.next()
        : rng.index(HOUR_WEIGHTS) * 60 + rng.int(0, 59) + rng.next()
      const ms = time.at(day, minutes)
      if (ms > end || ms < start) continue
      slots.push({ at: ms, district, channel, plot: 'normal' })
      break
    }
  }
  slots.sort((a, b) => a.at - b.at)

  // The newest cases wait in the queues: a few not dispatched yet, a return awaiting arbitration
  // and an extension awaiting approval.
  const tail = cases >= 1000 ? 2 : 1
  const waiting = Math.min(slots.length, cases >= 1000 ? 3 : 1)
  for (let i = slots.length - waiting; i < slots.length; i++) at(slots, i).plot = 'undispatched'
  const recent = slots
    .slice(Math.max(0, slots.length - waiting - 2 * tail), slots.length - waiting)
    .filter((s) => s.at >= end - 14 * DAY)
    .reverse()
  for (const [i, s] of recent.entries()) {
    s.plot = i % 2 === 0 ? 'pendingReturn' : 'pendingExtension'
  }

  // A few cases stuck for weeks: overdue, open and urged by the supervisor.
  const stuckPool = rng.shuffle(
    slots.filter((s) => s.plot === 'normal' && s.at >= end - 75 * DAY && s.at <= end - 28 * DAY),
  )
  for (const s of stuckPool.slice(0, Math.max(1, Math.round(cases * 0.003)))) s.plot = 'stuck'

  // Historical plots, by quota among the cases old enough to have finished.
  const eligible = rng.shuffle(slots.filter((s) => s.plot === 'normal' && s.at < end - 21 * DAY))
  let next = 0
  for (const [plot, share] of PLOT_SHARES) {
    const quota = eligible.length >= 50 ? Math.max(1, Math.round(eligible.length * share)) : 0
    for (const s of eligible.slice(next, next + quota)) s.plot = plot
    next += quota
  }
  return slots
}

// ---------------------------------------------------------------------------------------------
// The story of each case
// ---------------------------------------------------------------------------------------------

/** One case's actions in time order on the simulated clock. */
class Flow {
  order: WorkOrder
  last: number

  constructor(
    private readonly story: Story,
    private readonly deps: Deps,
    order: WorkOrder,
  ) {
    this.order = order
    this.last = Date.parse(order.receivedAt)
  }

  /** Takes an action at `t` (at least a minute after the last), or throws BEYOND past the end. */
  async act(t: number, actor: Actor, command: Command): Promise<WorkOrder> {
    this.advance(t)
    this.order = await performAction(this.deps, this.order.id, command, actor, this.order.version)
    return this.order
  }

  async rateAsCitizen(t: number, code: string, rating: Rating, comment?: string): Promise<void> {
    this.advance(t)
    this.order = await rateByTrackingCode(this.deps, code, { rating, comment })
  }

  private advance(t: number) {
    const when = Math.max(Math.round(t), this.last + MINUTE)
    if (when > this.story.end) throw BEYOND
    this.story.setClock(when)
    this.last = when
  }
}

class Story {
  private readonly recent: Recent[] = []
  private dissatisfiedSeen = 0
  private extensionsSeen = 0

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly time: LocalTime,
    readonly end: number,
    readonly setClock: (ms: number) => void,
  ) {}

  async play(deps: Deps, slot: Slot): Promise<void> {
    const draft = this.draft(slot)
    this.setClock(slot.at)
    const filed = await fileCase(deps, draft.input, draft.filer)
    const flow = new Flow(this, deps, filed.order)
    try {
      await this.live(flow, slot, draft, filed.trackingCode)
    } catch (e) {
      if (e !== BEYOND) throw e
    }
    const status = flow.order.status
    if (status !== 'invalid' && status !== 'merged' && draft.master === null) {
      this.recent.push({
        id: filed.order.id,
        caseNumber: filed.order.caseNumber,
        at: slot.at,
        input: draft.input,
      })
      if (this.recent.length > 80) this.recent.shift()
    }
  }

  private get dispatcher(): Actor {
    return this.rng.pick(this.world.dispatchers)
  }

  private caseworker(unitId: number): Actor {
    const actor = this.world.caseworkers.get(unitId)
    if (!actor) throw new Error(`demo: no caseworker for unit ${unitId}`)
    return actor
  }

  private minutes(min: number, max: number): number {
    return (this.rng.int(min, max) + this.rng.next()) * MINUTE
  }

  // -- the citizen's request -----------------------------------------------------------------

  private draft(slot: Slot): Draft {
    const rng = this.rng
    const { district, channel } = slot
    const master = slot.plot === 'merged' ? this.masterFor(slot.at) : null
    if (slot.plot === 'merged' && !master) slot.plot = 'normal'

    const locality = rng.weighted(district.localities, (l) => l.seed.weight)
    const weights =
      TOPIC_WEIGHTS[channel === 'window' || channel === 'enterprise_visit' ? channel : 'default']
    const topCode = rng.weighted(Object.entries(weights), ([, w]) => w)[0]
    let child = rng.pick(this.world.topics.get(topCode) ?? [])
    let template = rng.pick(child.seed.templates)
    if (slot.plot === 'invalid' && rng.chance(0.6)) {
      child =
        (this.world.topics.get('other') ?? []).find((c) => c.seed.code === 'other.misc') ?? child
      template = rng.pick(JUNK)
    }
    const kind = rng.pick(template.kinds)
    let urgency: Urgency = 'normal'
    if (kind !== 'consultation' && kind !== 'suggestion' && rng.chance(template.urgent ?? 0.05)) {
      urgency = rng.chance(0.15) ? 'critical' : 'urgent'
    }

    const l = locality.seed
    const community = rng.pick(l.places)
    const road = rng.pick(l.roads)
    const who =
      channel === 'hotline_12345' || channel === 'other'
        ? '来电人'
        : channel === 'window'
          ? '群众'
          : channel === 'enterprise_visit'
            ? '企业'
            : '网民'
    const values: Record<string, string> = {
      who,
      community,
      road,
      road2: rng.pick(l.roads.filter((r) => r !== road).concat(['环城路'])),
      place: `${l.name}${community}`,
      addr: `${district.seed.name}${l.name}${road}${rng.int(1, 399)}号${community}`,
      shop: rng.pick(SHOPS),
      company: `南昌${rng.pick(COMPANIES)}`,
      school: rng.pick(SCHOOLS),
      hospital: rng.chance(0.5) ? `${l.name}卫生院` : '辖区一家医院',
      n: String(rng.int(2, 9)),
      n2: String(rng.int(2, 9)),
      months: String(rng.int(2, 6)),
      amount: String(rng.int(30, 600) * 100),
      bus: String(rng.int(1, 260)),
    }
    const house = `${road}${rng.int(1, 399)}号${rng.chance(0.7) ? community : ''}`
    const address = `${district.seed.name}${l.name}${house}`

    let input: FilingInput
    if (master) {
      input = { ...master.input, channel }
    } else {
      input = {
        channel,
        kind,
        urgency,
        categoryId: child.id,
        districtId: district.id,
        title: fill(template.title, values),
        content: fill(template.content, values),
        address,
        confidential: rng.chance(kind === 'complaint' || kind === 'report' ? 0.08 : 0.01),
      }
    }
    const surname = SURNAMES.charAt(rng.int(0, SURNAMES.length - 1))
    const r = rng.next()
    const name =
      r < 0.05
        ? undefined
        : r < 0.4
          ? `${surname}${rng.chance(0.5) ? '先生' : '女士'}`
          : `${surname}${rng.pick(GIVEN)}`
    const phone = rng.chance(0.95)
      ? `13800${String(rng.int(0, 999_999)).padStart(6, '0')}`
      : undefined
    input = { ...input, citizenName: name, citizenPhone: phone }

    const filer: Actor =
      channel === 'web'
        ? { id: null, role: 'citizen', unitId: null, name: '群众' }
        : channel === 'wenzheng'
          ? { id: null, role: 'system', unitId: null, name: '问政江西平台' }
          : channel === 'ganfutong'
            ? { id: null, role: 'system', unitId: null, name: '赣服通平台' }
            : this.dispatcher
    const unitId =
      child.seed.handler === 'local'
        ? locality.id
        : (district.departments.get(child.seed.handler) ?? locality.id)
    return { input, filer, unitId, top: child.top, template, master }
  }

  private masterFor(t: number): Recent | null {
    const candidates = this.recent.filter((r) => t - r.at <= 15 * DAY && r.at < t)
    return candidates.length > 0 ? this.rng.pick(candidates) : null
  }

  // -- the life of the case ------------------------------------------------------------------

  private async live(flow: Flow, slot: Slot, draft: Draft, trackingCode: string): Promise<void> {
    const { rng, time } = this
    const t0 = slot.at
    switch (slot.plot) {
      case 'undispatched':
        return
      case 'invalid':
        await flow.act(time.centre(t0 + this.minutes(5, 90)), this.dispatcher, {
          action: 'mark_invalid',
          note: rng.pick(INVALID_NOTES),
        })
        return
      case 'merged':
        if (draft.master) {
          await flow.act(time.centre(t0 + this.minutes(10, 120)), this.dispatcher, {
            action: 'merge',
            masterId: draft.master.id,
            note: `与工单${draft.master.caseNumber}反映同一问题,合并办理`,
          })
          return
        }
        break
      case 'pendingReturn':
      case 'pendingExtension':
        await this.pending(flow, slot.plot, draft)
        return
      default:
        break
    }

    const answer = draft.template.answer
    const consultation = flow.order.kind === 'consultation'
    if (slot.plot === 'normal' && consultation && answer) {
      const share = slot.channel === 'hotline_12345' ? 0.6 : 0.3
      if (rng.chance(share)) {
        const when =
          slot.channel === 'hotline_12345'
            ? t0 + this.minutes(3, 20)
            : time.centre(t0 + this.minutes(30, 240))
        await flow.act(when, this.dispatcher, {
          action: 'direct_answer',
          reply: `经查询相关政策,已答复${slot.channel === 'hotline_12345' ? '来电人' : '诉求人'}:${answer}对方表示清楚。`,
        })
        await this.afterClose(flow, slot, draft, trackingCode)
        return
      }
    }

    const hurry = flow.order.urgency !== 'normal'
    const unit = draft.unitId
    const dispatchAt = hurry ? t0 + this.minutes(2, 20) : time.centre(t0 + this.minutes(5, 150))
    if (slot.plot === 'returned') {
      const wrong = this.wrongUnit(slot.district, unit)
      await flow.act(dispatchAt, this.dispatcher, { action: 'dispatch', unitId: wrong })
      const worker = this.caseworker(wrong)
      if (rng.chance(0.5)) {
        await flow.act(time.office(flow.last + this.minutes(20, 240)), worker, { action: 'sign' })
      }
      const { reason, note } = this.returnReason(wrong, unit)
      await flow.act(time.office(flow.last + this.minutes(60, 1200)), worker, {
        action: 'request_return',
        reason,
        note,
      })
      await flow.act(time.centre(flow.last + this.minutes(60, 360)), this.dispatcher, {
        action: 'approve_return',
        note: '同意退单,按职能重新派单',
      })
      await flow.act(flow.last + this.minutes(5, 40), this.dispatcher, {
        action: 'dispatch',
        unitId: unit,
      })
    } else {
      await flow.act(dispatchAt, this.dispatcher, { action: 'dispatch', unitId: unit })
    }

    const worker = this.caseworker(unit)
    if (slot.plot === 'stuck') {
      if (rng.chance(0.6))
        await flow.act(time.office(flow.last + this.minutes(30, 600)), worker, { action: 'sign' })
      await this.urgeOverdue(flow, Number.POSITIVE_INFINITY)
      return
    }
    const signAt = hurry
      ? flow.last + this.minutes(5, 40)
      : time.office(flow.last + this.minutes(10, 240))
    await flow.act(signAt, worker, { action: 'sign' })

    if (slot.plot === 'returnRejected') {
      await flow.act(time.office(flow.last + this.minutes(60, 480)), worker, {
        action: 'request_return',
        reason: 'unclear_ownership',
        note: '该问题权属不清,不属我单位职责',
      })
      await flow.act(time.centre(flow.last + this.minutes(60, 300)), this.dispatcher, {
        action: 'reject_return',
        note: '经核实属该单位职责范围,请继续办理',
      })
    }
    if (slot.plot === 'extension') {
      const workdays = Math.min(
        60,
        Math.max(1, Math.round(flow.order.dueWorkdays * (0.4 + 0.4 * rng.next()))),
      )
      await flow.act(time.office(flow.last + this.minutes(60, 1440)), worker, {
        action: 'request_extension',
        workdays,
        basis: rng.pick(EXTENSION_BASES),
      })
      const approve = this.extensionsSeen++ % 6 !== 5
      await flow.act(time.office(flow.last + this.minutes(60, 480)), this.world.supervisor, {
        action: approve ? 'approve_extension' : 'reject_extension',
        note: approve ? '同意延期,请在延期内办结' : '理由不充分,请按原时限办结',
      })
    }

    if (slot.plot === 'late') {
      const due = Date.parse(flow.order.dueAt)
      const closeAt = time.office(due + this.minutes(60, 3 * 1440))
      await this.urgeOverdue(flow, closeAt - 30 * MINUTE)
      await this.close(flow, draft, worker, closeAt)
    } else {
      await this.close(
        flow,
        draft,
        worker,
        this.onTime(flow.last, Date.parse(flow.order.dueAt), hurry),
      )
    }
    await this.afterClose(flow, slot, draft, trackingCode)
  }

  /** A case at the end of the simulation, waiting for arbitration of a return or an extension. */
  private async pending(flow: Flow, plot: 'pendingReturn' | 'pendingExtension', draft: Draft) {
    const step = () =>
      flow.last + Math.max(MINUTE, (this.end - flow.last) * (0.15 + 0.2 * this.rng.next()))
    const unit =
      plot === 'pendingReturn' ? this.wrongUnit(this.districtOf(draft), draft.unitId) : draft.unitId
    await flow.act(step(), this.dispatcher, { action: 'dispatch', unitId: unit })
    const worker = this.caseworker(unit)
    await flow.act(step(), worker, { action: 'sign' })
    if (plot === 'pendingReturn') {
      const { reason, note } = this.returnReason(unit, draft.unitId)
      await flow.act(step(), worker, { action: 'request_return', reason, note })
    } else {
      await flow.act(step(), worker, {
        action: 'request_extension',
        workdays: Math.max(1, Math.round(flow.order.dueWorkdays / 2)),
        basis: this.rng.pick(EXTENSION_BASES),
      })
    }
  }

  private districtOf(draft: Draft): DistrictInfo {
    return (
      this.world.districts.find((d) => d.id === draft.input.districtId) ??
      at(this.world.districts, 0)
    )
  }

  private wrongUnit(district: DistrictInfo, right: number): number {
    const others = district.units.filter((u) => u !== right)
    return others.length > 0 ? this.rng.pick(others) : right
  }

  private returnReason(wrong: number, right: number): { reason: ReturnReason; note: string } {
    if (this.world.localUnits.has(wrong) && this.world.localUnits.has(right)) {
      const name = this.world.unitNames.get(right) ?? ''
      return { reason: 'wrong_locality', note: `经现场核实,诉求地点不在我辖区,属${name}管辖` }
    }
    return { reason: 'wrong_function', note: '该诉求不属于我单位职能范围,请按职能重新派单' }
  }

  /** Supervisor urges on an overdue case, escalating, as long as they come before `until`. */
  private async urgeOverdue(flow: Flow, until: number): Promise<void> {
    const due = Date.parse(flow.order.dueAt)
    const steps = [
      {
        after: this.minutes(60, 1440),
        level: 'reminder' as const,
        note: '工单已超期,请尽快办理并回复',
      },
      {
        after: this.minutes(4 * 1440, 6 * 1440),
        level: 'yellow' as const,
        note: '超期未办结,予以黄牌督办',
      },
      {
        after: this.minutes(12 * 1440, 15 * 1440),
        level: 'red' as const,
        note: '长期超期未办结,予以红牌督办,请单位负责人亲自过问',
      },
    ]
    for (const s of steps) {
      const t = this.time.office(due + s.after)
      if (t > until) return
      await flow.act(t, this.world.supervisor, { action: 'urge', level: s.level, note: s.note })
    }
  }

  /** A moment to close between `from` and the deadline, usually early, in office hours. */
  private onTime(from: number, due: number, hurry: boolean): number {
    const { rng, time } = this
    if (due - from < 20 * MINUTE) return from + this.minutes(20, 180)
    if (hurry) return from + MINUTE + (due - from - 5 * MINUTE) * Math.min(0.9, rng.next() ** 2)
    const days: LocalDate[] = []
    const lastDay = time.day(due)
    for (let d = time.day(from); d <= lastDay; d = addDays(d, 1)) {
      if (time.isWorkday(d)) days.push(d)
    }
    if (days.length === 0) return time.office(from + HOUR)
    const day = at(days, Math.floor(days.length * rng.next() ** 1.6))
    let t = time.at(day, 540 + rng.int(0, 510) + rng.next())
    if (t <= from + 20 * MINUTE) t = from + this.minutes(20, 120)
    if (t > due) t = Math.max(from + MINUTE, due - this.minutes(1, 30))
    return t
  }

  private async close(flow: Flow, draft: Draft, worker: Actor, when: number): Promise<void> {
    const unitName = this.world.unitNames.get(worker.unitId ?? 0) ?? '承办单位'
    const day = this.time.day(Math.max(when, flow.last + MINUTE))
    const date = `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日`
    const answer = draft.template.answer
    const reply =
      flow.order.kind === 'consultation' && answer
        ? `${unitName}已电话联系诉求人,答复如下:${answer}`
        : fill(this.rng.pick([...draft.top.replies, ...GENERIC_REPLIES]), { unit: unitName, date })
    await flow.act(when, worker, { action: 'reply_and_close', reply })
  }

  /** The callback (回访) or the citizen's own rating, a reopen after dissatisfaction, archiving. */
  private async afterClose(
    flow: Flow,
    slot: Slot,
    draft: Draft,
    trackingCode: string,
  ): Promise<void> {
    const { rng, time } = this
    const dissatisfied = slot.plot === 'dissatisfied'
    if (dissatisfied || rng.chance(0.85)) {
      const rating: Rating = dissatisfied
        ? rng.chance(0.7)
          ? 'dissatisfied'
          : 'very_dissatisfied'
        : ((['very_satisfied', 'satisfied', 'basically_satisfied'] as const)[
            rng.index([62, 29, 9])
          ] ?? 'satisfied')
      await this.rate(flow, slot, trackingCode, rating, dissatisfied)
      if (dissatisfied && this.dissatisfiedSeen++ % 3 !== 2) {
        await flow.act(time.centre(flow.last + this.minutes(60, 240)), this.dispatcher, {
          action: 'reopen',
          note: '群众对办理结果不满意,重新交办',
        })
        const unit = flow.order.unitId ?? draft.unitId
        if (flow.order.status === 'received') {
          await flow.act(flow.last + this.minutes(5, 30), this.dispatcher, {
            action: 'dispatch',
            unitId: unit,
          })
        }
        const worker = this.caseworker(unit)
        await flow.act(time.office(flow.last + this.minutes(10, 240)), worker, { action: 'sign' })
        await this.close(
          flow,
          draft,
          worker,
          this.onTime(flow.last, Date.parse(flow.order.dueAt), false),
        )
        const second = rng.chance(0.9)
          ? rng.chance(0.5)
            ? 'satisfied'
            : 'basically_satisfied'
          : 'dissatisfied'
        await flow.act(time.centre(flow.last + this.minutes(120, 2880)), this.dispatcher, {
          action: 'rate',
          rating: second,
          comment:
            second === 'dissatisfied' ? rng.pick(DISSATISFIED_COMMENTS) : '重新处理后问题已解决',
        })
      }
    }
    if (rng.chance(0.9)) {
      await flow.act(time.office(flow.last + this.minutes(30 * 1440, 45 * 1440)), this.dispatcher, {
        action: 'archive',
      })
    }
  }

  private async rate(
    flow: Flow,
    slot: Slot,
    code: string,
    rating: Rating,
    bad: boolean,
  ): Promise<void> {
    const { rng, time } = this
    const comment =
      rng.chance(0.4) || bad
        ? rng.pick(bad ? DISSATISFIED_COMMENTS : SATISFIED_COMMENTS)
        : undefined
    const online = slot.channel === 'web' || slot.channel === 'ganfutong'
    if (rng.chance(online ? 0.5 : 0.15)) {
      await flow.rateAsCitizen(flow.last + this.minutes(10, 2 * 1440), code, rating, comment)
      return
    }
    await flow.act(time.centre(flow.last + this.minutes(120, 3 * 1440)), this.dispatcher, {
      action: 'rate',
      rating,
      comment,
    })
  }
}
