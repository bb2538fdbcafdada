"""Items 1–14 and the cash-pool annex of the 2024 bank letter formats, as column data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hub.documents._fields import DASH, Source
from hub.documents._layout import Align, Column

Kind = Literal["text", "account", "money", "date", "percent", "rate", "currency", "quantity",
               "flag", "restriction", "product_type", "choice", "period", "fx_amount", "seq",
               "fx_category"]
_NOWRAP: frozenset[str] = frozenset(
    {"money", "date", "percent", "rate", "currency", "quantity", "fx_amount", "seq"})
_RIGHT: frozenset[str] = frozenset({"money", "percent", "rate", "quantity", "fx_amount"})
_CENTRE: frozenset[str] = frozenset({"currency", "flag", "seq", "date", "period",
                                     "product_type", "choice"})
PRODUCT_TYPES = {"closed_end": "封闭式", "open_end": "开放式"}
# Item 11's 类别 column: two preset rows (low confidence, see letter.bank_format1's schema).
FX_CATEGORIES = {"bank_sells_to_company": "贵行卖予本公司",
                 "company_sells_to_bank": "本公司卖予贵行"}


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    kind: Kind = "text"
    weight: float = 1.0

    @property
    def column(self) -> Column:
        align: Align = "R" if self.kind in _RIGHT else "C" if self.kind in _CENTRE else "L"
        lines = 1 if self.kind in _NOWRAP else 2 if self.kind == "account" else 0
        return Column(self.header, self.weight, lines, align)

    def cell(self, src: Source, row: Mapping[str, Any], at: str, index: int) -> str:
        kind = self.kind
        if kind == "percent":
            return src.percent(row, self.key, at)
        if kind == "flag":
            return src.flag(row, self.key)
        if kind == "restriction":
            return src.restriction(row, self.key, at)
        if kind == "product_type":
            return src.choice(row, self.key, at, PRODUCT_TYPES)
        if kind == "fx_category":
            return src.choice(row, self.key, at, FX_CATEGORIES)
        if kind == "seq":
            return src.text(row, self.key, at, default=str(index + 1))
        if kind == "period":
            start = src.text(row, "start_date", at)
            end = src.text(row, "end_date", at)
            return f"{start}\n至{end}"
        if kind == "money":
            return src.money(row, self.key, at)
        if kind == "fx_amount":
            amount = src.money(row, self.key, at)
            currency = src.text(row, "currency", at, default="")
            return f"{currency} {amount}" if currency and amount != DASH else amount
        return src.text(row, self.key, at)


@dataclass(frozen=True)
class Item:
    key: str
    number: str
    title: str
    fields: tuple[Field, ...]
    note: str | None = None

    @property
    def heading(self) -> str:
        if not self.number:
            return self.title
        return f"{self.number} {self.title}" if self.number.startswith("(") else (
            f"{self.number}. {self.title}")


NAME, ACCOUNT = 2.0, 1.4  # weights: names and account numbers get the spare width first
_CURRENCY = Field("currency", "币种", "currency")
_REMARKS = Field("remarks", "备注", weight=1.2)

DEPOSITS = Item("deposits", "1", "银行存款", (
    Field("account_name", "账户名称", weight=NAME),
    Field("account_number", "银行账号", "account", ACCOUNT),
    _CURRENCY,
    Field("interest_rate", "利率", "percent"),
    Field("account_type", "账户类型"),
    Field("balance", "账户余额", "money"),
    Field("in_cash_pool", "是否属于资金归集（资金池或其他资金管理）账户", "flag", 0.8),
    Field("start_date", "起始日期", "date"),
    Field("end_date", "终止日期", "date"),
    Field("restriction", "是否存在冻结、担保或其他使用限制（如是，请注明相关情形）", "restriction",
          1.4),
    _REMARKS,
), note="除上述列示的银行存款（包括余额为零的存款账户）外，本公司并无在贵行的其他存款。")

LOANS = Item("loans", "2", "银行借款", (
    Field("borrower_name", "借款人名称", weight=NAME),
    Field("loan_account_number", "借款账号", "account", ACCOUNT),
    _CURRENCY,
    Field("balance", "余额", "money"),
    Field("loan_date", "借款日期", "date"),
    Field("maturity_date", "到期日期", "date"),
    Field("interest_rate", "利率", "percent"),
    Field("collateral_or_guarantor", "抵（质）押品/担保人", weight=NAME),
    _REMARKS,
), note="除上述列示的银行借款外，本公司并无自贵行的其他借款。")

CLOSED_ACCOUNTS = Item("closed_accounts", "3", "期间内注销的银行存款账户", (
    Field("account_name", "账户名称", weight=NAME),
    Field("account_number", "银行账号", "account", ACCOUNT),
    _CURRENCY,
    Field("closed_on", "注销账户日", "date"),
), note="除上述列示的注销账户外，本公司在此期间并未在贵行注销其他账户。")


def _entrusted(key: str, number: str, title: str, party: str, party_header: str,
               role: str) -> Item:
    return Item(key, number, title, (
        Field("account_name", "账户名称", weight=NAME),
        Field("account_or_loan_number", "银行结算账号/借据编号/贷款账号", "account", ACCOUNT),
        Field(party, party_header, weight=NAME),
        _CURRENCY,
        Field("interest_rate", "利率", "percent"),
        Field("balance", "余额", "money"),
        Field("start_date", "贷款起止日期", "period"),
        _REMARKS,
    ), note=f"除上述列示的委托贷款外，本公司并无通过贵行办理的其他以本公司作为{role}的委托贷款。")


ENTRUSTED_AS_PRINCIPAL = _entrusted("entrusted_loans_as_principal", "4",
                                    "本公司作为委托人的委托贷款", "borrower", "资金借入方",
                                    "委托人")
ENTRUSTED_AS_BORROWER = _entrusted("entrusted_loans_as_borrower", "5",
                                   "本公司作为借款人的委托贷款", "lender", "资金借出方",
                                   "借款人")


def _guarantee(key: str, number: str, title: str, amount: str, amount_header: str,
               note: str) -> Item:
    return Item(key, number, title, (
        Field("guaranteed_party", "被担保人", weight=NAME),
        Field("guarantee_type", "担保方式"),
        _CURRENCY,
        Field(amount, amount_header, "money"),
        Field("expiry_date", "担保到期日", "date"),
        Field("contract_number", "担保合同编号", "account", ACCOUNT),
        _REMARKS,
    ), note=note)


GUARANTEES = Item("guarantees", "6", "担保", ())
GUARANTEES_FOR_OTHERS = _guarantee(
    "for_others_to_bank", "(1)", "本公司为其他单位提供的、以贵行为担保受益人的担保",
    "guarantee_balance", "担保余额", "除上述列示的担保外，本公司并无其他以贵行为担保受益人的担保。")
GUARANTEES_BY_BANK = _guarantee(
    "by_bank_for_company", "(2)", "贵行向本公司提供的担保（如保函业务、备用信用证业务等）",
    "guarantee_amount", "担保金额", "除上述列示的担保外，本公司并无贵行提供的其他担保。")

ACCEPTANCE_BILLS = Item("acceptance_bills", "7",
                        "本公司为出票人且由贵行承兑而尚未支付的银行承兑汇票", (
    Field("bill_number", "银行承兑汇票号码", "account", ACCOUNT),
    Field("settlement_account_number", "结算账户账号", "account", ACCOUNT),
    _CURRENCY,
    Field("face_amount", "票面金额", "money"),
    Field("issue_date", "出票日", "date"),
    Field("due_date", "到期日", "date"),
    Field("collateral", "抵（质）押品", weight=NAME),
), note="除上述列示的银行承兑汇票外，本公司并无由贵行承兑而尚未支付的其他银行承兑汇票。")

DISCOUNTED_BILLS = Item("discounted_bills", "8", "本公司向贵行已贴现而尚未到期的商业汇票", (
    Field("bill_number", "商业汇票号码", "account", ACCOUNT),
    Field("acceptor_name", "承兑人名称", weight=NAME),
    _CURRENCY,
    Field("face_amount", "票面金额", "money"),
    Field("issue_date", "出票日", "date"),
    Field("due_date", "到期日", "date"),
    Field("discount_date", "贴现日", "date"),
    Field("discount_rate", "贴现率", "percent"),
    Field("net_proceeds", "贴现净额", "money"),
), note="除上述列示的商业汇票外，本公司并无向贵行已贴现而尚未到期的其他商业汇票。")

COLLECTION_BILLS = Item(
    "collection_bills", "9",
    "本公司为持票人且由贵行托收（或由本公司提示付款）的商业汇票", (
        Field("bill_number", "商业汇票号码", "account", ACCOUNT),
        Field("acceptor_name", "承兑人名称", weight=NAME),
        _CURRENCY,
        Field("face_amount", "票面金额", "money"),
        Field("issue_date", "出票日", "date"),
        Field("due_date", "到期日", "date"),
    ), note="除上述列示的商业汇票外，本公司并无由贵行托收（或由本公司提示付款）的其他商业汇票。")

LETTERS_OF_CREDIT = Item("letters_of_credit", "10",
                         "本公司为申请人，由贵行开具的、未履行完毕的不可撤销信用证", (
    Field("lc_number", "信用证号码", "account", ACCOUNT),
    Field("beneficiary", "受益人", weight=NAME),
    _CURRENCY,
    Field("amount", "信用证金额", "money"),
    Field("expiry_date", "到期日", "date"),
    Field("unused_amount", "未使用金额", "money"),
), note="除上述列示的不可撤销信用证外，本公司并无由贵行开具的、未履行完毕的其他不可撤销信用证。")

FX_CONTRACTS = Item("fx_contracts", "11", "本公司与贵行之间未履行完毕的外汇买卖合约", (
    Field("category", "类别", "fx_category", 1.2),
    Field("contract_number", "合约号码", "account", ACCOUNT),
    Field("bank_sells_currency", "贵行卖出币种", "currency"),
    Field("bank_buys_currency", "贵行买入币种", "currency"),
    Field("amount", "未履行的合约买卖金额", "fx_amount"),
    Field("exchange_rate", "汇率", "rate"),
    Field("settlement_date", "交收日期", "date"),
), note="除上述列示的外汇买卖合约外，本公司并无与贵行之间未履行完毕的其他外汇买卖合约。")

CUSTODY_SECURITIES = Item("custody_securities", "12",
                          "本公司存放于贵行托管的证券或其他产权文件", (
    Field("name", "证券或其他产权文件名称", weight=NAME),
    Field("code", "证券代码或产权文件编号", "account", ACCOUNT),
    Field("quantity", "数量", "quantity"),
    _CURRENCY,
    Field("amount", "金额", "money"),
), note="除上述列示的证券或其他产权文件外，本公司并无存放于贵行托管的其他证券或其他产权文件。")

WEALTH_PRODUCTS = Item("wealth_products", "13", "本公司购买的由贵行发行的未到期银行理财产品", (
    Field("product_name", "产品名称", weight=NAME),
    Field("product_type", "产品类型（封闭式/开放式）", "product_type"),
    _CURRENCY,
    Field("units", "持有份额", "quantity"),
    Field("net_value", "产品净值", "money"),
    Field("purchase_date", "购买日", "date"),
    Field("maturity_date", "到期日", "date"),
    Field("restriction", "是否被用于担保或存在其他使用限制", "restriction", 1.4),
), note="除上述列示的银行理财产品外，本公司并未购买其他由贵行发行的理财产品。")

OTHER = Item("other", "14", "其他", ())

CASH_POOL = Item("cash_pool", "", "附表 资金归集（资金池或其他资金管理）账户具体信息", (
    Field("seq", "序号", "seq"),
    Field("provider_name", "资金提供机构名称（即拨入资金的具体机构）", weight=NAME),
    Field("provider_account_number", "资金提供机构账号", "account", ACCOUNT),
    Field("user_name", "资金使用机构名称（即向该具体机构拨出资金）", weight=NAME),
    Field("user_account_number", "资金使用机构账号", "account", ACCOUNT),
    _CURRENCY,
    Field("balance", "截至函证基准日拨入或拨出资金余额（拨出填列正数，拨入填列负数）", "money"),
    _REMARKS,
))

ITEMS: tuple[Item, ...] = (
    DEPOSITS, LOANS, CLOSED_ACCOUNTS, ENTRUSTED_AS_PRINCIPAL, ENTRUSTED_AS_BORROWER,
    GUARANTEES, ACCEPTANCE_BILLS, DISCOUNTED_BILLS, COLLECTION_BILLS, LETTERS_OF_CREDIT,
    FX_CONTRACTS, CUSTODY_SECURITIES, WEALTH_PRODUCTS, OTHER,
)
