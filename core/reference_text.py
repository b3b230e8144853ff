"""The reference data's names in the interface's language.

The policy categories, their coefficient bands and legal bases, and the payment providers are
rows that migrations load in Vietnamese (`beneficiaries/migrations/0003_policy_reference_data.py`,
`providers/migrations/0002_payment_providers.py`). The database keeps the Vietnamese, the text
of the decree; this module gives each known text its English name for the English interface.
A row an administrator renamed, or added, has no entry and shows as stored.
"""

import re

from django.utils.translation import get_language, pgettext, pgettext_lazy

# Stored Vietnamese text -> its English msgid (Vietnamese msgstr: the stored text itself).
REFERENCE = {
    # Categories (Decree 20/2021 Art. 5, 11, 20)
    "Trẻ em dưới 16 tuổi không có nguồn nuôi dưỡng": pgettext_lazy(
        "policy reference", "Child under 16 with no source of support"
    ),
    "Người từ 16 đến 22 tuổi đang đi học, thuộc diện K1": pgettext_lazy(
        "policy reference", "Person aged 16 to 22 still studying, formerly K1"
    ),
    "Trẻ em nhiễm HIV thuộc hộ nghèo": pgettext_lazy(
        "policy reference", "Child with HIV in a poor household"
    ),
    "Người đơn thân thuộc hộ nghèo, cận nghèo đang nuôi con": pgettext_lazy(
        "policy reference", "Single parent in a poor or near-poor household raising children"
    ),
    "Người cao tuổi thuộc hộ nghèo, không có người phụng dưỡng": pgettext_lazy(
        "policy reference", "Poor elderly person with nobody to support them"
    ),
    "Người từ 75 đến 80 tuổi thuộc hộ nghèo, cận nghèo ở xã đặc biệt khó khăn": pgettext_lazy(
        "policy reference",
        "Person aged 75 to 80, poor or near-poor, in an extremely disadvantaged commune",
    ),
    "Người từ 80 tuổi trở lên không có lương hưu, trợ cấp hằng tháng": pgettext_lazy(
        "policy reference", "Person aged 80 or over with no pension or other monthly benefit"
    ),
    "Người cao tuổi đủ điều kiện vào cơ sở trợ giúp xã hội, sống tại cộng đồng": pgettext_lazy(
        "policy reference",
        "Elderly person eligible for a care facility, cared for in the community",
    ),
    "Người khuyết tật nặng, đặc biệt nặng": pgettext_lazy(
        "policy reference", "Person with a severe or extremely severe disability"
    ),
    "Trẻ em dưới 3 tuổi thuộc hộ nghèo, cận nghèo ở xã đặc biệt khó khăn": pgettext_lazy(
        "policy reference",
        "Child under 3, poor or near-poor, in an extremely disadvantaged commune",
    ),
    "Người nhiễm HIV thuộc hộ nghèo không có nguồn thu nhập ổn định": pgettext_lazy(
        "policy reference", "Poor adult with HIV and no stable income"
    ),
    "Hỗ trợ nhận chăm sóc, nuôi dưỡng trẻ em (K1)": pgettext_lazy(
        "policy reference", "Support for fostering a child (K1)"
    ),
    "Hỗ trợ nhận chăm sóc, nuôi dưỡng người cao tuổi (K5D)": pgettext_lazy(
        "policy reference", "Support for fostering an elderly person (K5D)"
    ),
    "Hỗ trợ hộ gia đình chăm sóc người khuyết tật đặc biệt nặng": pgettext_lazy(
        "policy reference",
        "Support for a household caring for a member with an extremely severe disability",
    ),
    "Hỗ trợ nhận chăm sóc, nuôi dưỡng người khuyết tật đặc biệt nặng": pgettext_lazy(
        "policy reference", "Support for fostering a person with an extremely severe disability"
    ),
    "Hỗ trợ người khuyết tật mang thai hoặc nuôi con dưới 36 tháng": pgettext_lazy(
        "policy reference",
        "Support for a disabled person pregnant or raising a child under 36 months",
    ),
    "Hỗ trợ chi phí mai táng": pgettext_lazy("policy reference", "Funeral support"),
    # Coefficient bands
    "Dưới 3 tuổi": pgettext_lazy("policy reference", "Under 3"),
    "Dưới 4 tuổi": pgettext_lazy("policy reference", "Under 4"),
    "Từ 4 tuổi đến dưới 16 tuổi": pgettext_lazy("policy reference", "From 4 to under 16"),
    "Từ 16 đến dưới 22 tuổi, đang đi học": pgettext_lazy(
        "policy reference", "From 16 to under 22, studying"
    ),
    "Mỗi con đang nuôi": pgettext_lazy("policy reference", "Per child being raised"),
    "Từ 60 đến dưới 80 tuổi": pgettext_lazy("policy reference", "From 60 to under 80"),
    "Từ 75 đến dưới 80 tuổi": pgettext_lazy("policy reference", "From 75 to under 80"),
    "Từ 80 tuổi trở lên": pgettext_lazy("policy reference", "80 and over"),
    "Sống tại cộng đồng": pgettext_lazy("policy reference", "Cared for in the community"),
    "Khuyết tật đặc biệt nặng": pgettext_lazy("policy reference", "Extremely severe disability"),
    "Khuyết tật đặc biệt nặng, trẻ em": pgettext_lazy(
        "policy reference", "Extremely severe disability, child"
    ),
    "Khuyết tật đặc biệt nặng, người cao tuổi": pgettext_lazy(
        "policy reference", "Extremely severe disability, elderly"
    ),
    "Khuyết tật nặng": pgettext_lazy("policy reference", "Severe disability"),
    "Khuyết tật nặng, trẻ em": pgettext_lazy("policy reference", "Severe disability, child"),
    "Khuyết tật nặng, người cao tuổi": pgettext_lazy(
        "policy reference", "Severe disability, elderly"
    ),
    "Không có nguồn thu nhập ổn định": pgettext_lazy("policy reference", "No stable income"),
    "Nuôi trẻ em dưới 4 tuổi": pgettext_lazy("policy reference", "Fostering a child under 4"),
    "Nuôi trẻ em từ 4 tuổi": pgettext_lazy("policy reference", "Fostering a child aged 4 or over"),
    "Nuôi người cao tuổi": pgettext_lazy("policy reference", "Fostering an elderly person"),
    "Hộ gia đình có người khuyết tật đặc biệt nặng": pgettext_lazy(
        "policy reference", "Household with a member with an extremely severe disability"
    ),
    "Nhận nuôi người khuyết tật đặc biệt nặng": pgettext_lazy(
        "policy reference", "Fostering a person with an extremely severe disability"
    ),
    "Nhận nuôi trẻ em khuyết tật đặc biệt nặng": pgettext_lazy(
        "policy reference", "Fostering a child with an extremely severe disability"
    ),
    "Mang thai hoặc nuôi một con dưới 36 tháng": pgettext_lazy(
        "policy reference", "Pregnant or raising one child under 36 months"
    ),
    "Mang thai và nuôi con dưới 36 tháng, hoặc nuôi từ hai con dưới 36 tháng": pgettext_lazy(
        "policy reference",
        "Pregnant and raising a child under 36 months, or raising two or more such children",
    ),
    "Một lần, bằng 20 lần mức chuẩn": pgettext_lazy(
        "policy reference", "Once, 20 times the standard level"
    ),
    # Providers
    "Bưu điện Việt Nam (VNPost)": pgettext_lazy("policy reference", "Vietnam Post (VNPost)"),
}

# "Nghị định 20/2021/NĐ-CP, Điều 5 khoản 5 điểm a": the words around the numbers.
_LEGAL_WORDS = re.compile(r"\b(Nghị định|Thông tư|Điều|khoản|điểm)\b")


def _legal_word(match: re.Match) -> str:
    return {
        "Nghị định": pgettext("legal basis", "Decree"),
        "Thông tư": pgettext("legal basis", "Circular"),
        "Điều": pgettext("legal basis", "Art."),
        "khoản": pgettext("legal basis", "cl."),
        "điểm": pgettext("legal basis", "point"),
    }[match.group(1)]


def _vietnamese() -> bool:
    return (get_language() or "vi").startswith("vi")


def translated(text: str) -> str:
    """`text`, a stored reference name, in the active language (as stored when Vietnamese)."""
    if _vietnamese() or text not in REFERENCE:
        return text
    return str(REFERENCE[text])


def legal_basis(text: str) -> str:
    """A stored legal basis ("Nghị định 20/2021/NĐ-CP, Điều 5 khoản 1") in the active language:
    the document numbers stay as they are cited ("Decree 20/2021/NĐ-CP, Art. 5 cl. 1")."""
    if _vietnamese():
        return text
    return _LEGAL_WORDS.sub(_legal_word, text)
