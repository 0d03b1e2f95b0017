"""English names of China's provincial divisions (and a few cities the demo and the
price index use), for showing place names stored in Chinese on an English page."""

PROVINCES_EN: dict[str, str] = {
    "全国": "Nationwide",
    "北京": "Beijing",
    "天津": "Tianjin",
    "上海": "Shanghai",
    "重庆": "Chongqing",
    "河北": "Hebei",
    "山西": "Shanxi",
    "辽宁": "Liaoning",
    "吉林": "Jilin",
    "黑龙江": "Heilongjiang",
    "江苏": "Jiangsu",
    "浙江": "Zhejiang",
    "安徽": "Anhui",
    "福建": "Fujian",
    "江西": "Jiangxi",
    "山东": "Shandong",
    "河南": "Henan",
    "湖北": "Hubei",
    "湖南": "Hunan",
    "广东": "Guangdong",
    "海南": "Hainan",
    "四川": "Sichuan",
    "贵州": "Guizhou",
    "云南": "Yunnan",
    "陕西": "Shaanxi",
    "甘肃": "Gansu",
    "青海": "Qinghai",
    "台湾": "Taiwan",
    "内蒙古": "Inner Mongolia",
    "广西": "Guangxi",
    "西藏": "Tibet",
    "宁夏": "Ningxia",
    "新疆": "Xinjiang",
    "香港": "Hong Kong",
    "澳门": "Macao",
}

CITIES_EN: dict[str, str] = {
    "崇左": "Chongzuo",
    "南宁": "Nanning",
    "钦州": "Qinzhou",
    "柳州": "Liuzhou",
    "广州": "Guangzhou",
    "深圳": "Shenzhen",
    "东莞": "Dongguan",
    "佛山": "Foshan",
    "烟台": "Yantai",
    "临沂": "Linyi",
    "青岛": "Qingdao",
    "济南": "Jinan",
    "上海": "Shanghai",
    "北京": "Beijing",
    "杭州": "Hangzhou",
    "昆明": "Kunming",
}

_SUFFIXES = ("省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区")


def place_en(name: str) -> str | None:
    """The English name of a province or known city ("广西", "广西壮族自治区"), or None."""
    name = (name or "").strip()
    if not name:
        return None
    found = PROVINCES_EN.get(name) or CITIES_EN.get(name)
    if found:
        return found
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            short = name[: -len(suffix)]
            return PROVINCES_EN.get(short) or CITIES_EN.get(short)
    return None
