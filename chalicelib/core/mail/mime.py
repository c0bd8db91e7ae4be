"""Raw inbound MIME bytes → ParsedMail. Pure: no I/O, no clock; never raises."""
from __future__ import annotations

import binascii
import codecs
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import errors as email_errors
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from io import BytesIO
from urllib.parse import unquote_to_bytes

from chalicelib.core.mail.htmltext import html_to_text
from chalicelib.core.mail.mail_model import ParsedAttachment, ParsedMail, SesVerdicts

__all__ = ["parse_mime", "decode_bytes", "decode_header_value", "safe_filename"]

_MAX_DEPTH = 200
_DETECT_SAMPLE = 64 * 1024
_UTF8_TRUST_SINGLE = 8
_UTF8_TRUST_MULTIBYTE = 24
_UTF8_STRAY = 3  # invalid bytes in declared UTF-8 that are dropped without looking for another charset

# ---------------------------------------------------------------------------
# charsets
# ---------------------------------------------------------------------------
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "csgb2312": "gb18030", "gb_2312-80": "gb18030",
    "chinese": "gb18030", "big5": "cp950", "big-5": "cp950", "x-x-big5": "cp950",
    "cn-big5": "cp950", "csbig5": "cp950", "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949",
    "euc-kr": "cp949", "shift_jis": "cp932", "shift-jis": "cp932", "x-sjis": "cp932",
    "sjis": "cp932", "windows-31j": "cp932", "tis-620": "cp874", "iso-8859-11": "cp874",
    "win-1251": "cp1251", "cp-1251": "cp1251", "x-cp1251": "cp1251", "x-mac-cyrillic": "mac_cyrillic",
    "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8", "iso-8859-8-i": "iso-8859-8",
}
_UNKNOWN = frozenset({"x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default", "8bit", "none", ""})
_WEAK = frozenset({"ascii", "iso8859-1", "cp1252", "latin-1"})
_MULTIBYTE = frozenset({
    "gb18030", "cp950", "big5", "big5hkscs", "cp949", "euc_kr", "cp932", "shift_jis", "euc_jp",
    "iso2022_jp", "iso2022_kr", "hz", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
    "utf-32-be", "utf-7",
})
_CYRILLIC_8BIT = ("cp1251", "koi8-r", "iso8859-5", "cp866", "mac-cyrillic")
_SEVEN_BIT = frozenset({"iso2022_jp", "iso2022_kr", "hz", "utf-7"})


@lru_cache(maxsize=256)
def _codec(declared: str | None) -> str | None:
    """Python codec name for a declared MIME charset, upgraded to its common superset."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    if name in _UNKNOWN or not name.isascii():
        return None
    name = _ALIASES.get(name, name)
    try:
        name = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    # ISO-8859-1 labels mean windows-1252 in practice (as in browsers and mail clients): € „ “ ” …
    return "cp1252" if name == "iso8859-1" else name


def _c1_control(err: UnicodeError) -> tuple[str, int]:
    """The five bytes windows-1252 leaves undefined are read as ISO-8859-1 does (C1 controls)."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return "".join(map(chr, err.object[err.start:err.end])), err.end


codecs.register_error("requestflow-c1", _c1_control)


def _lossy(data: bytes, codec: str) -> str:
    return data.decode(codec, "requestflow-c1" if codec == "cp1252" else "replace")


_HIGH = bytes(range(0x80, 0x100))
_LATIN_ACCENTED = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]")
_LATIN_PLAIN = re.compile("[A-Za-z]")
_NON_ASCII = re.compile("[^\x00-\x7f]")

# --- plausibility: does a decoding read like Russian or Chinese? -----------------------------------
# Wrong single-byte Cyrillic decodings (windows-1251 read as KOI8-R and back) permute the alphabet
# and swap the case, so letter case says nothing (a subject may be all capitals); what survives is
# how often each letter and each pair of letters occurs in Russian, compared case-insensitively.
_SCORE_SAMPLE = 8 * 1024
_RU_LETTER_PERCENT = {
    "о": 10.97, "е": 8.45, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47, "р": 4.73, "в": 4.54,
    "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81, "у": 2.62, "я": 2.01, "ы": 1.90, "ь": 1.74,
    "г": 1.70, "з": 1.65, "б": 1.59, "ч": 1.44, "й": 1.21, "х": 0.97, "ж": 0.94, "ш": 0.73, "ю": 0.64,
    "ц": 0.48, "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04,
    "ё": 0.3,  # often written as е, but mail about "счёт" and "плёнка" is full of it
    # other Cyrillic languages' letters: possible in real text, never frequent
    "і": 0.05, "ї": 0.05, "є": 0.05, "ґ": 0.05, "ў": 0.05,
}
_RU_LOG = {ch: math.log(p / 100) for ch, p in _RU_LETTER_PERCENT.items()}
_RU_TYPOGRAPHY = frozenset("«»№—–…“”„‘’•·°\u00a0")  # high bytes of real text that are not letters
_RU_TYPOGRAPHY_LOG = -3.5
_RU_UNLIKELY_LOG = -10.0  # box drawing, Latin-1 symbols, letters of other scripts
_RU_PAIRS = frozenset((  # the 200 most frequent letter pairs inside Russian words
    "аб ав аг ад ае аж аз ай ак ал ам ан ап ар ас ат ац ач ая ба бк бл бо бр бу "
    "бы ва ве ви вк вл вн во ву вы го гр да де ди дл дн до ду ев ег ед еж ей ек "
    "ел ем ен ер ес ет же жи жн за зд зм зн зо иб ив ид ие из ии ий ик ил им ин "
    "ир ис ит иц ич ия йл ка ке ки кл ко кр кс кт ку кц ла ле ли ло ль лю ля ма "
    "ме ми мо мы мя на нд не ни нн но нс нт ну ны об ов ог од ое ож оз ой ок ол "
    "ом он оп ор ос от оч ош па пе пи по пр пу ра ре рж ри рн ро рт ру ры са се "
    "си ск сл со сп сс ст су сь ся та тв те ти тк тн то тр тс ту ть уд уе ук ум "
    "уп ус ут ую фа фи фо хо це ци ча че чи чн ши ще ыв ые ый ыт ых ьз ьн юч ющ"
).split())
_RU_PAIR_WEIGHT = 2.0
_RU_ODD_WEIGHT = 1.0
_RU_PLAUSIBLE = -2.2  # a declared charset reading worse than this may be overruled
_RU_DETECTABLE = -3.0  # an undeclared guess must read at least this well
_RU_READABLE = -5.0  # Cyrillic words, no stray symbols: enough for the body's charset on a short header
_RU_SWITCH_MARGIN = 0.6
_RU_MIN_LETTERS = 4
_RU_MIN_SWITCH_LETTERS = 8  # a declared charset is never overruled on fewer letters than this
_RU_WORD = re.compile("[а-яё]+")
_WORD = re.compile(r"[^\W\d_]+")
# a small letter followed by a capital, or Latin and Cyrillic in one word: what mis-decoding produces
_ODD_WORD = re.compile("[a-zа-яё][A-ZА-ЯЁ]|[A-Za-z][А-яЁё]|[А-яЁё][A-Za-z]")
_CYRILLIC_CANDIDATES = ("cp1251", "koi8-r", "iso8859-5", "cp866")

# Chinese: the share of characters that are common Hanzi (simplified or traditional) or CJK punctuation.
_ZH_COMMON = frozenset(
    "一七万三上下不与专且业东两严並个中串临为主丽举久么义之乎乐九也习书买乱了争事二于云互五亚些亞交亦产京亮亲人什仅今介仍从仓他付代令以们件价任份企伊休众优会传伤伯伸伺似但位低住体何余佛作你併使來例供依便係"
    "保信修倉個們倒候值假偏做停側偿備傳僅像價儘償儲儿允元充先光克免入內全兩八公六兰共关兴兵其具养内再写农冲决况冷准减几出击函分切划列刘则刚创初删判別利刪别到制刻則前剑剧副力办功加务动助劳势動務包化北匯匹区"
    "医區十千升半华协協单南占卡卫印危即却卷厂历压厚原去县参參又及友双反发取受变口古句另只叫可台史右号司吃各合吉同名后向吗否吧吨含听启告员呢周味呼命和品哈响員哥哪商啊問啟善喜單嘗器噸四回因团园困围固国图國圍"
    "圖土在地场址均坏坐块坚垂型城域執基報塊塔境增壓壞士声处备复外多夜够大天太夫央失头奇套女她好如妈始姐委威娘子字存学孩它守安完宗官定宝实审客宣室害家容宽密富察實寫寬对导封射将將專尋對小少尔尚就尼尽尾局层居"
    "屋展属屬山岁岛島州工左巨差己已巴市布师希带席帮帳常干平年并幸广序库应底府度座庫康廠廢建开异式引弟张強弹强归当录形影往征径待很律後徑得從微德心必志忙快念忽怀态怎怕思急性怪总恐恩息恶您情惊想意感愿態慢憑憶"
    "應成我或戶户房所手才打托执批找承技把投抗护报抬担拉括拿持指按挥损换据捲捷掉掌排掛探接控推描提換援損搜擇操支收改攻放故效救敗教敢散数整數文斗料断斯新斷方於施族无既日旧早时明易星映是显時晚普景智暗暫更曾替"
    "最會月有朋服望朝期木未本术机杀杂权李材村束条来松极构析林果枪架某查标树校样核根格案档條梦检棄楚業楼概樓標模樣樹機檔檢欄權次欢欧款止正此步武死段母每比毛毫民气水永求汉江決沉沒沙没河治法波注洋洲活派流测济"
    "海消深清渐温測游湖湾源準满演激火灵炮点為烈烦热無焦然照熱爱父爾片版牙物特犯状狀独率王环现班現球理環瓦甚生產用田由电男画界留略異當疑病痛登發白百的皮益监盘盤目直相省看真眼着知短石码研破确確碼示社票福离种"
    "科秘积称移稅程税稱究空穿突窗立站竟章端笑符第等答策签简算管箱範簽籤米类精系納級素索紧細終組結絕絡給統經維網綴緊線編縣縮繪繫續红约级纪纳线组细织终经结绕给绝统继续维编缠缩缺网罗罪置羅美群義翻老考者而耳职"
    "联聯股肯育背胜胡胶能脑脚脸膜自至致與舊航般舰船良色艺节花苏若苦英范草药获营落著蓋薄薩藏蘭虑處號虽血行街衝衣表被装補裝製複西要覆見規視见观规视觉角解觸言訂計訊記設許註詢試話該語誤說調請謝證識警譯議讀變讓"
    "计订认讨让议记讲许论设证评识诉试诗话询该语误说请读谁调谈谢象貨資賠質購负财责败账货质购贵费资赔走赶起超越足跑跟路跳蹤身軟較載輯輸轉车转软轻载较输辦边达过运近还这进远连述追退送适选透這通速造連週進遇運過"
    "道達遗遞遠選還邊那邮部郵都配酒采释里重野量金鈕銀錄錯鍵鎖鑰钟钥钱铁银链销错键長长閉開間關门问间闻防阳阵阶阿附际陆陈降限院除险随隔際难集離雷電需露青静非靠面音響頁項須預頭題顏類顯页项须顾顿预领题风飞食首"
    "香馬驗马验體高鱼鲁麻麼黄黑默點齊龙"
    "，。：；！？（）、“”‘’《》【】…—·～\u3000"
)
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_ASCII_RUN = re.compile("[^\x00-\x7f]+")
_CJK_CHAR = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e]")
_ZH_PLAUSIBLE = 0.6
_KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa\u30fc]")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")
_JP_CANDIDATES = ("cp932", "euc_jp")
_JP_PLAUSIBLE = 0.2
_CJK_CANDIDATES = ("gb18030", "cp950")


def _high_count(data: bytes) -> int:
    return len(data) - len(data.translate(None, _HIGH))


def _russian(text: str) -> tuple[float, int]:
    """(how much `text` reads like Russian, Cyrillic letters inside words); about -1 for real Russian.

    Mean log-frequency of the non-ASCII characters (letters case-insensitively), plus the share of
    common letter pairs inside words, minus the share of words mixing scripts or with a capital after
    a small letter.
    """
    total, count, letters = 0.0, 0, 0
    for ch in text:
        if ch < "\x80":
            continue
        count += 1
        logp = _RU_LOG.get(ch.lower())
        if logp is not None:
            letters += 1
            total += logp
        else:
            total += _RU_TYPOGRAPHY_LOG if ch in _RU_TYPOGRAPHY else _RU_UNLIKELY_LOG
    if not letters:
        return float("-inf"), 0
    pairs = common = in_words = 0
    for word in _RU_WORD.findall(text.lower()):
        pairs += len(word) - 1
        common += sum(1 for i in range(len(word) - 1) if word[i:i + 2] in _RU_PAIRS)
        in_words += len(word) if len(word) > 1 else 0
    words = [w for w in _WORD.findall(text) if len(w) > 1 and not w.isascii()]
    odd = sum(1 for w in words if _ODD_WORD.search(w))
    score = total / count
    score += _RU_PAIR_WEIGHT * (common / pairs if pairs else 0.0)
    score -= _RU_ODD_WEIGHT * (odd / len(words) if words else 0.0)
    return score, in_words


def _chinese(text: str) -> tuple[float, int, bool]:
    """(share of non-ASCII characters that are common Hanzi or CJK punctuation, Hanzi seen, clean).

    A lone character stuck to a Latin word ("pakiet體", "zur點kgehalten": accented Latin letters read
    as GBK/Big5) does not count as common. Clean: nothing but Hanzi and CJK punctuation, none of it
    stuck to Latin words like that.
    """
    good = bad = 0
    clean = True
    for m in _NON_ASCII_RUN.finditer(text):
        run = m.group()
        before, after = _latin_at(text, m.start() - 1), _latin_at(text, m.end())
        if len(run) == 1 and (before or after):
            bad += 1
            clean = False
            continue
        clean = clean and not (before and after)
        for ch in run:
            if ch in _ZH_COMMON:
                good += 1
            else:
                bad += 1
                clean = clean and bool(_CJK_CHAR.match(ch))
    return (good / (good + bad) if good + bad else 0.0), len(_HAN.findall(text)), clean


def _latin_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isascii() and text[i].isalpha()


def _cyrillic_check(data: bytes, declared: str) -> str:
    """The declared single-byte Cyrillic codec, unless its text is implausible and another reads well."""
    sample = data[:_SCORE_SAMPLE]
    if _high_count(sample) < _RU_MIN_SWITCH_LETTERS:
        return declared
    own, _ = _russian(sample.decode(declared, "replace"))
    if own >= _RU_PLAUSIBLE:
        return declared
    best, best_score = declared, own
    for codec in _CYRILLIC_CANDIDATES:
        if codec != declared:
            score, letters = _russian(sample.decode(codec, "replace"))
            if letters >= _RU_MIN_SWITCH_LETTERS and score > best_score:
                best, best_score = codec, score
    if best_score >= _RU_PLAUSIBLE and best_score - own >= _RU_SWITCH_MARGIN:
        return best
    return declared


def _japanese_codec(sample: bytes, cut: bool, prefer: str | None) -> str | None:
    """Shift_JIS (cp932) or EUC-JP when the bytes read as Japanese: kana among the Kanji.

    Japanese writing always has kana (particles, endings); Chinese never does, and bytes of another
    charset read as Shift_JIS come out as half-width katakana instead.
    """
    candidates = [prefer, *(c for c in _JP_CANDIDATES if c != prefer)] if prefer in _JP_CANDIDATES else _JP_CANDIDATES
    best, best_share = None, 0.0
    for codec in candidates:
        text = sample.decode(codec, "replace")
        if text.count("\ufffd") > (1 if cut else 0):
            continue
        kana, half = len(_KANA.findall(text)), len(_HALFWIDTH_KANA.findall(text))
        if codec == prefer and not half and (kana or _CJK_CHAR.search(text)):
            return codec  # the body's charset gives Japanese characters: enough for a short header
        high = len(_NON_ASCII.findall(text))
        share = (kana - 4 * half) / high if high else 0.0
        if kana >= 2 and share >= _JP_PLAUSIBLE and share > best_share:
            best, best_share = codec, share
    return best


def _guess(data: bytes, prefer: str | None = None) -> str | None:
    """A Japanese, Russian or Chinese codec that decodes undeclared (or wrongly declared) 8-bit text plausibly.

    `prefer` (e.g. the body's charset, for a raw header) wins whenever it is plausible itself.
    Cheap: no charset_normalizer.
    """
    sample = data[:_SCORE_SAMPLE]
    if not _high_count(sample):
        return None
    japanese = _japanese_codec(sample, len(sample) < len(data), prefer)
    if japanese:
        return japanese
    cyrillic = list(_CYRILLIC_CANDIDATES)
    cjk = list(_CJK_CANDIDATES)
    if prefer in _CYRILLIC_8BIT and prefer not in cyrillic:
        cyrillic.insert(0, prefer)
    elif prefer in _MULTIBYTE and prefer not in cjk and prefer not in _SEVEN_BIT and prefer not in _JP_CANDIDATES:
        cjk.insert(0, prefer)
    ru: list[tuple[float, str]] = []
    prefer_readable = False
    for codec in cyrillic:
        score, letters = _russian(sample.decode(codec, "replace"))
        if letters >= min(_RU_MIN_LETTERS, _high_count(sample)) and score >= _RU_DETECTABLE:
            ru.append((score, codec))
        elif codec == prefer and letters and score >= _RU_READABLE:
            prefer_readable = True
    zh: list[tuple[float, str]] = []
    zh_clean: list[tuple[float, str]] = []
    for codec in cjk:
        text = sample.decode(codec, "replace")
        # one broken character may be the sample's cut end; more means these are not its bytes
        if text.count("\ufffd") > (1 if len(sample) < len(data) else 0):
            continue
        share, hanzi, clean = _chinese(text.replace("\ufffd", ""))
        if hanzi >= 2 and share >= _ZH_PLAUSIBLE:
            zh.append((share, codec))
        elif hanzi >= 2 and clean and 3 * hanzi >= len(_LATIN_PLAIN.findall(text)):
            zh_clean.append((share, codec))
        if codec == prefer and clean:
            prefer_readable = True
    if prefer in {codec for _, codec in ru + zh}:
        return prefer
    best_ru = max(ru, key=lambda item: item[0], default=None)  # max keeps the first of equals
    best_zh = max(zh, key=lambda item: item[0], default=None)
    if best_ru and best_zh:
        # both read well: very short text; compare how far each clears its own bar
        ru_margin = (best_ru[0] - _RU_DETECTABLE) / 2.0
        zh_margin = (best_zh[0] - _ZH_PLAUSIBLE) / (1 - _ZH_PLAUSIBLE)
        return best_zh[1] if zh_margin > ru_margin else best_ru[1]
    if best_ru or best_zh:
        return (best_ru or best_zh)[1]
    if prefer_readable:
        return prefer  # too short to judge, and the body's charset gives real letters
    if zh_clean:
        # rare characters only (names, places): still Chinese when nothing but Hanzi comes out;
        # general detectors tend to call short Chinese Korean or UTF-16 here
        return max(zh_clean, key=lambda item: item[0])[1]
    return None


_WESTERN_CANDIDATES = ("cp1252", "iso8859-2", "cp1250")  # the first wins a tie
_LATIN_SIGN = frozenset("°§©®™µ·•–—…“”„‘’‚\u00a0")  # may touch a letter: 20°C, „Grüße“, it’s (not £ € ¥: "£ukasz")
_LATIN_OPENING = frozenset("¿¡«‹")  # before a word: ¿Qué? «Bonjour»
_LATIN_CLOSING = frozenset("»›")


def _latin_foreign(text: str) -> tuple[int, int]:
    """(characters that do not belong in Western or Central European text, non-ASCII characters).

    Cyrillic bytes read as a Latin charset give whole words of accented letters ("Ïðîñèì", "Ñ÷¸ò");
    Chinese bytes, or Polish and Czech bytes read with the wrong Latin table, give signs stuck to
    letters ("z³oty", "ÄúºÃ£¬"). Real German, French, Spanish, Scandinavian or Polish words keep
    ASCII letters around their "ä", "é", "ñ", "å", "ż" ("aaäöüßad", "Zażółć").
    """
    text = text[:_SCORE_SAMPLE]
    foreign = high = 0
    for m in _NON_ASCII_RUN.finditer(text):
        run = m.group()
        high += len(run)
        before, after = _latin_at(text, m.start() - 1), _latin_at(text, m.end())
        if not before and not after and sum(ch.isalpha() for ch in run) >= 2:
            foreign += len(run)
            continue
        for i, ch in enumerate(run):
            if ch.isalpha() or ch in _LATIN_SIGN:
                continue
            prev_letter = before if i == 0 else run[i - 1].isalpha()
            next_letter = after if i == len(run) - 1 else run[i + 1].isalpha()
            if (prev_letter and ch not in _LATIN_CLOSING) or (next_letter and ch not in _LATIN_OPENING):
                foreign += 1
    return foreign, high


def _latin_plausible(text: str) -> bool:
    foreign, high = _latin_foreign(text)
    return foreign * 10 <= high


def _western(data: bytes) -> str | None:
    """The Latin charset whose reading of undeclared or mislabelled bytes has the fewest misfits."""
    best, best_foreign = None, None
    for codec in _WESTERN_CANDIDATES:
        foreign, high = _latin_foreign(_lossy(data[:_SCORE_SAMPLE], codec))
        if foreign * 10 <= high and (best_foreign is None or foreign < best_foreign):
            best, best_foreign = codec, foreign
    return best


def _detect(data: bytes) -> str | None:
    codec = _guess(data)
    if codec:
        return codec
    from charset_normalizer import from_bytes  # heavy: only when the cheap paths failed

    best = from_bytes(data[:_DETECT_SAMPLE]).best()
    return _codec(best.encoding) if best is not None else None


def _utf8_counts(data: bytes) -> tuple[int, int]:
    """(valid non-ASCII characters, invalid bytes) when the bytes are read as UTF-8."""
    text = data[:_DETECT_SAMPLE].decode("utf-8", "replace")
    bad = text.count("\ufffd")
    return len(_NON_ASCII.findall(text)) - bad, bad


def _mostly_utf8(data: bytes) -> bool:
    good, bad = _utf8_counts(data)
    return good >= 4 * bad and good > 0


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec, "requestflow-c1" if codec == "cp1252" else "strict")
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Decode text bytes whose declared charset may be missing or wrong.

    Returns (text, note); note describes a repair (detection or lossy decoding) or is None.
    """
    text, note, _ = _decode(data, declared)
    return text, note


def _decode(data: bytes, declared: str | None, prefer: str | None = None) -> tuple[str, str | None, str | None]:
    """decode_bytes, also returning the codec used (None for plain ASCII).

    `prefer` is a codec to favour when nothing is declared (the body's charset, for raw header bytes).
    """
    codec = _codec(declared)
    if data.isascii():
        if codec is not None and codec.startswith("iso2022_jp"):
            return _iso2022_jp(data, codec), None, codec
        if codec in _SEVEN_BIT and (text := _strict(data, codec)) is not None:
            return text, None, codec
        if b"\x1b" in data and _JIS_ESCAPE.search(data):
            return _iso2022_jp(data), f"declared {declared or 'nothing'}, detected iso2022_jp", "iso2022_jp"
        return data.decode("ascii"), None, None
    # Valid UTF-8 wins over a wrong label, except for a few bytes that a real label explains better.
    strong = codec is not None and codec != "utf-8" and codec not in _WEAK
    high = _high_count(data)
    utf8_first = not strong or high >= (_UTF8_TRUST_MULTIBYTE if codec in _MULTIBYTE else _UTF8_TRUST_SINGLE)
    if utf8_first and (text := _strict(data, "utf-8")) is not None:
        if (undone := _undouble(text, prefer or (codec if strong else None))) is not None:
            return undone, "text encoded twice, repaired", "utf-8"
        return text, (None if codec in (None, "utf-8") else f"declared {declared}, decoded as utf-8"), "utf-8"
    if codec in _MULTIBYTE:
        for candidate in (codec, "big5hkscs") if codec == "cp950" else (codec,):
            if (text := _strict(data, candidate)) is not None:
                return text, None, candidate
        if not utf8_first or not _mostly_utf8(data):
            text = data.decode(codec, "replace")
            if text.count("\ufffd") <= max(1, len(text) // 50):
                return text.replace("\ufffd", ""), f"invalid {declared} bytes dropped", codec
    if not utf8_first:
        if codec not in _MULTIBYTE and (text := _strict(data, codec)) is not None:
            return text, None, codec
        if (text := _strict(data, "utf-8")) is not None:
            return text, f"declared {declared}, decoded as utf-8", "utf-8"
    if codec and codec != "utf-8" and codec not in _MULTIBYTE:
        text = _strict(data, codec)
        if text is not None:
            if codec in _CYRILLIC_8BIT:
                better = _cyrillic_check(data, codec)
                if better != codec:
                    return data.decode(better, "replace"), f"declared {declared}, detected {better}", better
                return text, None, codec
            if codec not in _WEAK or (codec != "ascii" and _latin_plausible(text)):
                return text, None, codec
    good, bad = _utf8_counts(data)
    if good >= 4 * bad and good > 0:
        # a few stray bytes in real UTF-8 (whatever the label said)
        return data.decode("utf-8", "replace").replace("\ufffd", ""), "invalid utf-8 bytes dropped", "utf-8"
    guess = _guess(data, prefer)
    if guess is None and prefer and prefer != "utf-8" and (text := _strict(data, prefer)) is not None:
        if prefer not in _WEAK or (prefer != "ascii" and _latin_plausible(text)):
            return text, f"declared {declared or 'nothing'}, decoded as {prefer}", prefer
    if guess is None and codec == "utf-8" and bad <= _UTF8_STRAY:
        return data.decode("utf-8", "replace").replace("\ufffd", ""), "invalid utf-8 bytes dropped", "utf-8"
    if guess is None and (western := _western(data)):
        return _lossy(data, western), f"declared {declared or 'nothing'}, detected {western}", western
    if guess is None:
        guess = _detect(data)
    if guess and guess != "utf-8":
        return _lossy(data, guess), f"declared {declared or 'nothing'}, detected {guess}", guess
    if codec == "utf-8" or guess == "utf-8":
        return data.decode("utf-8", "replace").replace("\ufffd", ""), "invalid utf-8 bytes dropped", "utf-8"
    fallback = codec if codec and codec not in _MULTIBYTE else "cp1252"
    return _lossy(data, fallback), f"charset unknown, decoded as {fallback}", fallback


# Text read as windows-1252 (or ISO-8859-1) and written out as UTF-8 again, by a web form, a CMS or a
# PHP mailer: UTF-8 twice ("Ð”Ð¾Ð±Ñ€Ñ‹Ð¹" for "Добрый", "ä½ å¥½" for "你好", "Ã©" for "é"), or
# windows-1251 / GBK / Big5 bytes turned into Latin letters ("Äîáðûé äåíü", "ÄãºÃ")
_CP1252_BYTE = {bytes([b]).decode("cp1252"): b for b in range(0x80, 0x100) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_CONTINUATION = "".join(sorted(
    {bytes([b]).decode("cp1252", "requestflow-c1") for b in range(0x80, 0xC0)} | {chr(b) for b in range(0x80, 0xC0)}
))
_DOUBLED = re.compile(f"[\\u00c2-\\u00f4][{re.escape(_CONTINUATION)}]")
_DOUBLED_MIN = 2
_LATIN1_LETTER = re.compile("[\u00c0-\u00ff]")


def _undouble(text: str, prefer: str | None = None) -> str | None:
    """The text before it was read as windows-1252 and encoded as UTF-8 again, or None when it was not."""
    doubled = len(_DOUBLED.findall(text)) >= _DOUBLED_MIN
    legacy = len(_LATIN1_LETTER.findall(text)) >= _RU_MIN_SWITCH_LETTERS and not _latin_plausible(text)
    if not (doubled or legacy):
        return None
    out = bytearray()
    for ch in text:
        code = ord(ch)
        if code < 0x100:
            out.append(code)
        elif (byte := _CP1252_BYTE.get(ch)) is not None:
            out.append(byte)
        else:
            return None
    data = bytes(out)
    undone = _strict(data, "utf-8") if doubled else None
    if undone is None and legacy and (codec := _guess(data, prefer)) is not None:
        undone = _strict(data, codec)
    return undone if undone is not None and undone != text else None


_JIS_ESCAPE = re.compile(rb"\x1b(\$[@B]|\$\(D|\([BJI])")


def _iso2022_jp(data: bytes, codec: str = "iso2022_jp") -> str:
    """ISO-2022-JP read as mail clients do (Windows' cp50220).

    Strict decoders refuse the NEC and IBM rows (① ㈱ Ⅲ 髙) that Japanese mail uses all the time;
    those are mapped to their Shift_JIS codes and read as cp932, which has them.
    """
    if (text := _strict(data, codec)) is not None:
        return text
    out = bytearray()
    mode = b"(B"
    for i, piece in enumerate(_JIS_ESCAPE.split(data)):
        if i % 2:
            mode = piece
        elif mode in (b"$@", b"$B", b"$(D"):
            out += _jis_to_sjis(piece)
        elif mode == b"(I":
            out += bytes(b | 0x80 if 0x21 <= b <= 0x5F else b for b in piece)
        else:
            out += piece
    return out.decode("cp932", "replace")


def _jis_to_sjis(piece: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(piece):
        j1 = piece[i]
        if not 0x21 <= j1 <= 0x7E or i + 1 >= len(piece):
            out.append(j1)  # a line break or stray byte inside a two-byte run
            i += 1
            continue
        j2 = piece[i + 1]
        s1 = (j1 + 1) // 2 + 0x70
        s1 += 0x40 if s1 >= 0xA0 else 0
        s2 = j2 + (0x1F + (j2 >= 0x60) if j1 % 2 else 0x7E)
        out += bytes((s1, s2))
        i += 2
    return bytes(out)


# ---------------------------------------------------------------------------
# headers
# ---------------------------------------------------------------------------
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_CTRL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0085\u2028\u2029]+")
# Lenient like mail clients: spaces inside the encoded text ("=?utf-8?Q? Personal=C3=A4nderung?=").
_EW = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?]*)\?=")
_B_NOISE = re.compile(rb"[^A-Za-z0-9+/]")
_ADDR_SPECIAL = re.compile(r'["()\\:;]')
_ANGLE_ID = re.compile(r"<[^<>\s]+>")
_ADDR_OK = re.compile(r'^[^@\s<>()\[\],;:"\\]+@[^@\s<>()\[\],;:"\\]+$')


_WORD_GAPS = re.compile(rb"\S[ \t]+\S")


def _b64(data: bytes) -> tuple[bytes, bool]:
    """Decode base64 leniently; returns (bytes, repaired).

    A body declared base64 that is plainly text (words separated by spaces, which base64 never has)
    is returned as it is: decoding it would only turn the customer's words into garbage.
    """
    if len(_WORD_GAPS.findall(data[:4096])) >= 3:
        return data, True
    pad = data.find(b"=")
    if pad != -1 and data[pad:].strip(b"= \t\r\n"):
        # padding in the middle: encoded line by line (or piece by piece), each piece padded
        return b"".join(_b_word(piece.decode("ascii", "ignore")) for piece in re.split(rb"=+", data)), True
    try:
        return binascii.a2b_base64(data), False
    except binascii.Error:
        pass
    clean = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    rem = len(clean) % 4
    if rem == 1:
        clean = clean[:-1]
    elif rem:
        clean += b"=" * (4 - rem)
    try:
        return binascii.a2b_base64(clean), True
    except binascii.Error:
        return b"", True


def _raw_to_str(value: str, hint: str | None = None) -> str:
    """Header text as parsed from bytes: undo surrogate escapes of raw 8-bit bytes.

    Raw bytes get the body's detection: strict UTF-8, then `hint` (the body's charset) when it reads
    plausibly, then Russian/Chinese codecs by plausibility.
    """
    if value.isascii():
        return _decode(value.encode("ascii"), None)[0] if "\x1b" in value else value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value
    return _decode(data, None, _codec(hint))[0]


def _decode_words(value: str) -> str:
    out: list[str] = []
    pending = bytearray()
    pending_cs: str | None = None
    prev_ew = False
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_cs
        if pending_cs is not None:
            out.append(decode_bytes(bytes(pending), pending_cs)[0])
        pending = bytearray()
        pending_cs = None

    for m in _EW.finditer(value):
        gap = value[pos:m.start()]
        if gap and not (prev_ew and gap.isspace()):
            flush()
            out.append(gap)
        charset, enc, text = m.group(1).lower(), m.group(2).upper(), m.group(3)
        charset = _codec(charset) or charset
        data = _b_word(text) if enc == "B" else binascii.a2b_qp(text.encode("utf-8", "surrogateescape"), header=True)
        if charset != pending_cs:
            flush()
            pending_cs = charset
        pending += data
        prev_ew = True
        pos = m.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def _b_word(text: str) -> bytes:
    """The bytes of a B encoded-word, whatever spaces, stray characters or missing padding it has."""
    clean = _B_NOISE.sub(b"", text.split("=", 1)[0].encode("ascii", "ignore"))
    clean = clean[: len(clean) - len(clean) % 4] if len(clean) % 4 == 1 else clean + b"=" * (-len(clean) % 4)
    try:
        return binascii.a2b_base64(clean)
    except binascii.Error:
        return b""


def _decode_raw(value: str, hint: str | None = None) -> str:
    value = _raw_to_str(_FOLD.sub("", value), hint)
    return _decode_words(value) if "=?" in value else value


def decode_header_value(value: str, charset: str | None = None) -> str:
    """Unfold and decode a raw header value (RFC 2047 words, raw 8-bit) into a single line.

    `charset` (e.g. the body's) is favoured for raw 8-bit bytes that are not UTF-8.
    """
    return _CTRL.sub(" ", _decode_raw(value, charset)).strip()


def _display_name(raw_name: str, hint: str | None = None) -> str:
    """Decoded display name; a line break inside it can only be an injection, so the rest is dropped."""
    lines = [part for part in _LINE_BREAK.split(_decode_raw(raw_name, hint)) if part.strip()]
    return _one_line(lines[0]) if lines else ""


def _one_line(text: str) -> str:
    return " ".join(_CTRL.sub(" ", text).split())


def _clean_addr(addr: str) -> str | None:
    addr = addr.strip().strip("<>").strip().lower()
    return addr if addr and _ADDR_OK.match(addr) else None


def _addresses(values: list[str], hint: str | None = None) -> list[tuple[str, str | None]]:
    """(display name, address or None) pairs from raw address header values."""
    out: list[tuple[str, str | None]] = []
    prepared = [_FOLD.sub("", _raw_to_str(v, hint)) for v in values]
    if not any(_ADDR_SPECIAL.search(v) for v in prepared):
        pairs = [_simple_address(item) for v in prepared for item in v.split(",") if item.strip()]
    else:
        try:
            pairs = getaddresses(prepared)
        except Exception:
            pairs = [("", v) for v in prepared]
    for name, addr in pairs:
        out.append((_display_name(name, hint) if name else "", _clean_addr(addr)))
    return out


def _simple_address(item: str) -> tuple[str, str]:
    """getaddresses() for the common case without quotes, comments or groups."""
    name, lt, rest = item.partition("<")
    if not lt:
        return "", item.strip()
    return name.strip(), rest.partition(">")[0].strip()


def _msg_ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = _ANGLE_ID.findall(value)
    if found:
        return found
    return [f"<{tok}>" for tok in value.split() if "@" in tok and "<" not in tok and ">" not in tok]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _verdicts(headers: dict[str, list[str]]) -> SesVerdicts:
    """SES's verdicts as SES wrote them into the stored message. Only SES's own
    Authentication-Results (authserv-id amazonses.com) count: any other is the sender's to forge."""
    def first_token(name: str) -> str | None:
        values = headers.get(name)
        if not values or not values[0].split():
            return None
        return values[0].split()[0].strip(";")

    spam, virus = first_token("x-ses-spam-verdict"), first_token("x-ses-virus-verdict")
    ar = next((v for v in headers.get("authentication-results", []) if v.lower().lstrip().startswith("amazonses.com")),
              "")

    def method(name: str) -> str | None:
        m = re.search(rf"\b{name}=([A-Za-z]+)", ar)
        return m.group(1).lower() if m else None

    def domain(pattern: str) -> str | None:
        m = re.search(pattern, ar, re.IGNORECASE)
        return m.group(1).lower().rstrip(";").rpartition("@")[2] if m else None

    return SesVerdicts(
        spam=spam.upper() if spam else None,
        virus=virus.upper() if virus else None,
        spf=method("spf"),
        dkim=method("dkim"),
        dmarc=method("dmarc"),
        spf_domain=domain(r"\bspf=pass\b[^;]*?\bsmtp\.mailfrom=([^\s;]+)"),
        dkim_domain=domain(r"\bdkim=pass\b[^;]*?\bheader\.(?:d|i)=([^\s;]+)"),
    )


# ---------------------------------------------------------------------------
# bodies and attachments
# ---------------------------------------------------------------------------
_EXT = {
    "text/plain": ".txt", "text/html": ".html", "text/calendar": ".ics", "text/csv": ".csv",
    "text/rfc822-headers": ".txt", "message/rfc822": ".eml", "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt", "application/pdf": ".pdf", "application/zip": ".zip",
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
    "image/heic": ".heic", "image/tiff": ".tif", "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
_FILENAME_BAD = re.compile(r'[<>:"|?*]')
_UU = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})


def safe_filename(name: str | None, content_type: str = "application/octet-stream", index: int = 1) -> str:
    """A display/storage-safe file name: no path parts, '..', or control characters; never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    parts = [p.strip() for p in re.split(r"[\\/]+", name)]
    name = "_".join(p for p in parts if p not in ("", ".", ".."))
    name = re.sub(r"\.{2,}", ".", _FILENAME_BAD.sub("_", name))
    name = " ".join(name.split()).strip(" .")
    if len(name) > 180:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 180 - len(ext) - 1] + "." + ext) if dot and 0 < len(ext) <= 10 else name[:180]
    return name or f"attachment-{index}{_EXT.get(content_type, '.bin')}"


def _uudecode(data: bytes) -> bytes:
    out = bytearray()
    started = False
    for line in data.splitlines():
        if not started:
            started = line.startswith(b"begin")
            continue
        if line.strip() == b"end":
            break
        if not line.strip(b" \t`"):
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(line[:nbytes])
            except binascii.Error:
                pass
    return bytes(out) if started else data


def _raw_header(part: Message, name: str) -> str:
    for key, value in part.raw_items():
        if key.lower() == name:
            return value if isinstance(value, str) else str(value)
    return ""


@dataclass
class _Ctx:
    attachments: list[ParsedAttachment] = field(default_factory=list)
    html: str | None = None
    defects: list[str] = field(default_factory=list)
    charset: str | None = None
    """The codec the first 8-bit body text was read with: a hint for raw 8-bit header bytes."""
    inline_files: list[tuple[Message, str]] = field(default_factory=list)
    """Named text parts shown inline (part, 'text/plain'|'text/html'): the body when nothing else is."""

    def note(self, text: str) -> None:
        if text not in self.defects:
            self.defects.append(text)


def _content_type(part: Message) -> str:
    raw = _raw_header(part, "content-type").split(";", 1)[0].strip().strip('"').lower()
    if raw.count("/") == 1 and all(raw.split("/")):
        return raw
    return "text/plain"


def _payload(part: Message, ctx: _Ctx) -> bytes:
    payload = part._payload  # raw: get_payload() would re-decode 8-bit text with the declared charset
    if isinstance(payload, list):
        return b"\n".join(_serialise(p) for p in payload)
    if isinstance(payload, bytes):
        data = payload
    elif isinstance(payload, str):
        try:
            data = payload.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:
            data = payload.encode("utf-8", "surrogateescape")
    else:
        return b""
    cte = _raw_header(part, "content-transfer-encoding").strip().lower()
    if cte == "base64":
        data, repaired = _b64(data)
        if repaired:
            ctx.note("invalid base64 repaired")
    elif cte == "quoted-printable":
        data = binascii.a2b_qp(data)
    elif cte in _UU:
        data = _uudecode(data)
    return data


def _serialise(msg: Message | str) -> bytes:
    if isinstance(msg, str):
        return msg.encode("utf-8", "surrogateescape")
    from email.generator import BytesGenerator

    buf = BytesIO()
    try:
        BytesGenerator(buf, mangle_from_=False, policy=compat32).flatten(msg)
    except Exception:
        return b""
    return buf.getvalue()


_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)', re.S)
_EXT_KEY = re.compile(r"(.+?)\*(\d+)?(\*)?")


def _params(value: str) -> dict[str, str]:
    """Header parameters (RFC 2045/2231: quoting, charset'lang'%XX, continuations), lower-case keys."""
    value = _FOLD.sub("", value)
    plain: dict[str, str] = {}
    extended: dict[str, list[tuple[int, bool, str]]] = {}
    for m in _PARAM.finditer(value):
        key, val = m.group(1).lower(), m.group(2).strip()
        if val.startswith('"'):
            val = re.sub(r"\\(.)", r"\1", val[1:-1] if len(val) > 1 and val.endswith('"') else val[1:])
        ext = _EXT_KEY.fullmatch(key)
        if ext is None:
            plain.setdefault(key, val)
            continue
        base, index, star = ext.groups()
        extended.setdefault(base, []).append((int(index or 0), star is not None or index is None, val))
    for base, pieces in extended.items():
        pieces.sort(key=lambda piece: piece[0])
        charset: str | None = None
        data = bytearray()
        for i, (_, encoded, val) in enumerate(pieces):
            if encoded:
                if i == 0 and val.count("'") >= 2:
                    charset, _, val = val.split("'", 2)
                data += unquote_to_bytes(val.encode("utf-8", "surrogateescape"))
            else:
                data += val.encode("utf-8", "surrogateescape")
        plain[base] = decode_bytes(bytes(data), charset or None)[0]
    return plain


def _param(part: Message, name: str, header: str) -> str | None:
    raw = _raw_header(part, header)
    return _params(raw).get(name) if raw and "=" in raw else None


def _filename(part: Message, hint: str | None = None) -> str | None:
    name = _param(part, "filename", "content-disposition") or _param(part, "name", "content-type")
    return decode_header_value(name, hint) if name else None


def _attach(part: Message, ctype: str, data: bytes, ctx: _Ctx, name: str | None) -> None:
    if not name and ctype == "message/rfc822":
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            subject = decode_header_value(_raw_header(payload[0], "subject"))
            name = f"{subject[:120]}.eml" if subject else None
    cid = _raw_header(part, "content-id").strip().strip("<>").strip() or None
    disposition = _raw_header(part, "content-disposition").split(";", 1)[0].strip().lower()
    ctx.attachments.append(ParsedAttachment(
        filename=safe_filename(name, ctype, len(ctx.attachments) + 1),
        content_type=ctype,
        data=data,
        content_id=cid,
        inline=disposition == "inline" or (not disposition and cid is not None),
    ))


def _walk(part: Message, depth: int, ctx: _Ctx) -> list[tuple[str, str]]:
    """Collect ('plain'|'html', text) body segments; attachments go to ctx."""
    ctype = _content_type(part)
    if ctype.startswith("message/"):
        _attach(part, ctype, _payload(part, ctx), ctx, _filename(part, ctx.charset))
        return []
    if part.is_multipart():
        if depth >= _MAX_DEPTH:
            ctx.note("multipart nesting too deep")
            return [seg for leaf in _leaves(part) for seg in _walk(leaf, depth, ctx)]
        results = [_walk(child, depth + 1, ctx) for child in part.get_payload() if isinstance(child, Message)]
        if ctype == "multipart/alternative":
            return _best_alternative(results)
        return [seg for result in results for seg in result]
    bare = not _raw_header(part, "content-type").strip()
    if ctype.startswith("multipart/"):
        unfolded = _unfolded_boundary(part, ctype)
        if unfolded is not None:
            return _walk(unfolded, depth + 1, ctx)
        ctx.note("multipart boundary not found; body treated as text")
        ctype, bare = "text/plain", True
    disposition = _raw_header(part, "content-disposition").split(";", 1)[0].strip().lower()
    name = _filename(part, ctx.charset)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not name:
        return _text_part(part, ctype, bare, ctx)
    if ctype in ("text/plain", "text/html") and disposition == "inline":
        ctx.inline_files.append((part, ctype))
    _attach(part, ctype, _payload(part, ctx), ctx, name)
    return []


def _unfolded_boundary(part: Message, ctype: str) -> Message | None:
    """The multipart again, when its boundary parameter was folded across lines inside the quotes
    (Outlook 2000: 'boundary="----=_NextPart' / ' _000_0002…"'), which leaves the parser no delimiter."""
    boundary = part.get_param("boundary")
    if not isinstance(boundary, str) or not re.search(r"[\r\n]", boundary) or not isinstance(part._payload, str):
        return None
    body = part._payload.encode("ascii", "surrogateescape")
    for fixed in (re.sub(r"\r?\n|\r", "", boundary), re.sub(r"\s+", "", boundary)):
        if fixed and ("--" + fixed).encode("ascii", "surrogateescape") in body:
            head = f'Content-Type: {ctype}; boundary="{fixed}"\r\n\r\n'.encode("ascii", "surrogateescape")
            reparsed = BytesParser(policy=compat32).parsebytes(head + body)
            if reparsed.is_multipart():
                return reparsed
    return None


def _text_part(part: Message, ctype: str, bare: bool, ctx: _Ctx) -> list[tuple[str, str]]:
    data = _payload(part, ctx)
    charset = _param(part, "charset", "content-type")
    if _binary(data, charset):
        ctx.note("binary data where text was expected; kept as a file")
        _attach(part, "application/octet-stream", data, ctx, None)
        return []
    text, note, used = _decode(data, charset)
    if note:
        ctx.note(note)
    if used and ctx.charset is None:
        ctx.charset = used
    if ctype == "text/plain" and bare and _looks_like_html(text):
        ctype = "text/html"
    if ctype == "text/html":
        if ctx.html is None:
            ctx.html = text
        return [("html", text)]
    if (_param(part, "format", "content-type") or "").lower() == "flowed":
        text = _unflow(text, (_param(part, "delsp", "content-type") or "").lower() == "yes")
    return [("plain", text)]


def _leaves(part: Message) -> list[Message]:
    """The non-multipart parts below `part`, in order, found without recursion."""
    found: list[Message] = []
    stack = [part]
    while stack:
        node = stack.pop()
        if node.is_multipart() and not _content_type(node).startswith("message/"):
            stack.extend(reversed([p for p in node.get_payload() if isinstance(p, Message)]))
        else:
            found.append(node)
    return found


_VISIBLE = re.compile(r"[^\s\u200b-\u200d\u2060\ufeff\x00-\x1f]")


def _best_alternative(results: list[list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """The plain alternative when it has text, else the last (richest) alternative that shows any."""
    for result in results:
        if any(kind == "plain" and _VISIBLE.search(text) for kind, text in result):
            return result
    for result in reversed(results):
        if any(_VISIBLE.search(text if kind == "plain" else html_to_text(text)) for kind, text in result):
            return result
    return []


_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_WIDE = ("utf-16", "utf-32")


def _binary(data: bytes, charset: str | None) -> bool:
    """Bytes no text has: control characters (other than tab, line breaks, form feed and ESC) by the dozen."""
    sample = data[:4096]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls >= 8 and controls * 20 > len(sample) and not (_codec(charset) or "").startswith(_WIDE)


_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)?<(?:!doctype\s+html|html|head|body|meta|div|table|p)[\s>/]", re.I | re.S)


def _looks_like_html(text: str) -> bool:
    """A body without a Content-Type that is plainly an HTML document (web forms, scripts)."""
    return bool(_HTML_START.match(text[:2048]))


def _unflow(text: str, delsp: bool) -> str:
    """Join format=flowed (RFC 3676) soft-broken lines back into the paragraphs the sender wrote.

    A line ending in a space continues on the next line of the same quote depth; the space-stuffing
    after the quote marks is removed; "-- " (the signature separator) always ends a line.
    """
    lines: list[tuple[int, str]] = []
    depth_open, buf = -1, ""
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        body = body[1:] if body.startswith(" ") else body
        if depth_open >= 0 and depth != depth_open:
            lines.append((depth_open, buf))
            depth_open = -1
        flowed = body.endswith(" ") and body != "-- "
        if flowed and delsp:
            body = body[:-1]
        buf = buf + body if depth_open >= 0 else body
        depth_open = depth
        if not flowed:
            lines.append((depth, buf))
            depth_open = -1
    if depth_open >= 0:
        lines.append((depth_open, buf))
    return "\n".join(">" * depth + (" " + body if body else "") if depth else body for depth, body in lines)


_TEXT_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def _clean_text(text: str) -> str:
    text = _TEXT_CTRL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip("\n").rstrip()


def _body_text(segments: list[tuple[str, str]]) -> str:
    parts = [text if kind == "plain" else html_to_text(text) for kind, text in segments]
    return _clean_text("\n".join(p for p in parts if p.strip()))


# ---------------------------------------------------------------------------
# the parser
# ---------------------------------------------------------------------------
_HEADER_LINE = re.compile(rb"^(From |[\x21-\x39\x3b-\x7e]+:|[ \t])")
_SPACED_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]+:")
_CORE_HEADERS = frozenset({"from", "return-path", "date", "message-id", "subject", "to", "received"})
_BLANK_LINE = re.compile(rb"\r?\n\r?\n|\r\r")


def _repair_headers(raw: bytes) -> bytes | None:
    """Drop header lines the parser cannot read (no colon); None when nothing changed."""
    m = _BLANK_LINE.search(raw)
    end = m.start() if m else len(raw)
    lines = raw[:end].splitlines(keepends=True)
    kept = []
    for line in lines:
        fixed = _SPACED_NAME.sub(rb"\1:", line)
        if _HEADER_LINE.match(fixed):
            kept.append(fixed)
    if len(kept) == len(lines) and kept == lines:
        return None
    return b"".join(kept) + raw[end:]


def _deep_fallback(raw: bytes, ctx: _Ctx) -> tuple[Message, list[tuple[str, str]]]:
    msg = BytesHeaderParser(policy=compat32).parsebytes(raw)
    ctx.note("multipart nesting too deep for the parser; innermost text extracted")
    m = re.search(rb"(?im)^content-type:[ \t]*text/(plain|html)([^\n]*)\n(?:[^\r\n]+\r?\n)*?\r?\n(.*?)(?=\r?\n--|\Z)", raw, re.S)
    if not m:
        return msg, []
    charset = _params(m.group(2).decode("ascii", "replace")).get("charset")
    text = decode_bytes(m.group(3), charset or "utf-8")[0]
    return msg, [(m.group(1).decode().lower(), text)] if text else []


def _parse(raw: bytes) -> ParsedMail:
    ctx = _Ctx()
    if not raw:
        return ParsedMail(message_id=None, defects=["empty message"])
    raw = bytes(raw)
    if b"\x00" in raw:
        ctx.note("NUL bytes removed")
    segments: list[tuple[str, str]] | None = None
    try:
        msg = BytesParser(policy=compat32).parsebytes(raw)
        if any(isinstance(d, email_errors.MissingHeaderBodySeparatorDefect) for d in msg.defects):
            repaired = _repair_headers(raw)
            if repaired is not None:
                ctx.note("header line without colon ignored")
                msg = BytesParser(policy=compat32).parsebytes(repaired)
        segments = _walk(msg, 0, ctx)
    except RecursionError:
        msg, segments = _deep_fallback(raw, ctx)
    if any(isinstance(d, email_errors.CloseBoundaryNotFoundDefect) for d in _all_defects(msg)):
        ctx.note("closing MIME boundary missing")

    headers: dict[str, list[str]] = {}
    raw_headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.strip().lower()
        value = value if isinstance(value, str) else str(value)
        raw_headers.setdefault(key, []).append(value)
        headers.setdefault(key, []).append(decode_header_value(value, ctx.charset))
    if not _CORE_HEADERS.intersection(headers):
        ctx.note("no headers")

    mail = ParsedMail(message_id=None, headers=headers)
    mail.message_id = next(iter(_msg_ids(mail.header("message-id"))), None)
    mail.in_reply_to = _msg_ids(mail.header("in-reply-to"))
    mail.references = _msg_ids(" ".join(headers.get("references", [])))
    mail.subject = _one_line(mail.header("subject") or "")
    mail.date = _date(mail.header("date"))
    if raw_headers.get("date") and mail.date is None:
        ctx.note("invalid Date header")

    if raw_headers.get("return-path"):
        mail.return_path = _return_path(raw_headers["return-path"][0])

    froms = raw_headers.get("from", [])
    if len(froms) > 1:
        ctx.note("several From headers; the first is used")
    if froms:
        pairs = _addresses(froms[:1], ctx.charset)
        name, addr = pairs[0] if pairs else ("", None)
        if addr is None:
            ctx.note("From header has no usable address")
            if not name:
                name = _one_line(decode_header_value(froms[0], ctx.charset).strip('"'))
        mail.from_name, mail.from_address = name, addr
    else:
        ctx.note("no From header")
    if mail.from_address is None and mail.return_path:
        mail.from_address = mail.return_path

    for attr, key in (("to", "to"), ("cc", "cc"), ("reply_to", "reply-to")):
        values = raw_headers.get(key)
        if values:
            setattr(mail, attr, [a for _, a in _addresses(values, ctx.charset) if a])

    mail.content_type = _content_type(msg)
    mail.text = _body_text(segments or []) or _inline_text_file(ctx)
    mail.html = ctx.html
    mail.attachments = ctx.attachments
    mail.verdicts = _verdicts(headers)
    mail.defects = ctx.defects
    return mail


def _inline_text_file(ctx: _Ctx) -> str:
    """The text of a message whose only text is a named part shown inline (Netscape, Apple Mail and
    web forms put the body into "Content-Disposition: inline; filename=…"); the file stays attached."""
    for part, ctype in ctx.inline_files[:1]:
        scratch = _Ctx()
        return _body_text(_text_part(part, ctype, False, scratch))
    return ""


def _return_path(value: str) -> str | None:
    """'' for the null sender <>, the lower-cased address, or None when unusable."""
    value = _FOLD.sub("", _raw_to_str(value)).strip()
    if value.replace(" ", "") in ("<>", ""):
        return ""
    return _clean_addr(value.split()[0])


def _all_defects(msg: Message) -> list[object]:
    found: list[object] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        found.extend(getattr(part, "defects", []))
        if part.is_multipart():
            stack.extend(p for p in part.get_payload() if isinstance(p, Message))
    return found


def parse_mime(raw: bytes) -> ParsedMail:
    """Parse raw MIME bytes as SES stored them; malformations are noted in `defects`, never raised."""
    try:
        return _parse(raw)
    except Exception as exc:
        return ParsedMail(message_id=None, defects=[f"unparseable message ({type(exc).__name__})"])
