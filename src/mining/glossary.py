"""The CRM concept glossary the notebooks teach: English, Chinese, a one-line definition and the
notebook that shows it (``mining glossary`` prints it).

>>> from mining.glossary import glossary
>>> glossary().loc["RFM analysis", "chinese"]
'RFM 分析'
"""

from __future__ import annotations

import pandas as pd

__all__ = ["GLOSSARY", "glossary"]

#: (term, 中文, definition, notebook)
GLOSSARY: list[tuple[str, str, str, str]] = [
    ("customer", "客户", "a known individual the firm can recognise and treat differently "
     "(anonymous baskets are buyers 顾客, not customers)", "01_customer_value"),
    ("IDIC", "识别、区分、互动、定制", "identify, differentiate, interact, customise: the CRM "
     "workflow the notebooks follow", "01_customer_value"),
    ("customer identification", "客户识别", "finding from purchase records which customers "
     "matter and how they differ", "01_customer_value"),
    ("RFM analysis", "RFM 分析", "recency (days since last purchase), frequency (orders) and "
     "monetary value (spend), each scored by quintile", "01_customer_value"),
    ("ABC analysis", "ABC 分类法", "rank customers by revenue: A the few who bring most of it, "
     "B the next, C the many small ones (Pareto)", "01_customer_value"),
    ("customer lifetime value (CLV)", "客户终身价值", "present value of all profit from a "
     "customer: profit to date plus expected future profit", "01_customer_value, 07_lifetime_value"),
    ("CLV matrix", "客户终身价值矩阵", "current value x growth potential: lead 铅质, iron 铁质, "
     "gold 黄金, platinum 白金", "01_customer_value, 07_lifetime_value"),
    ("key / ordinary / small customers", "关键客户 / 普通客户 / 小客户", "value tiers that get "
     "different service", "01_customer_value"),
    ("clustering / segmentation", "聚类分析 / 客户群体划分", "groups alike inside and different "
     "between, found without given labels", "02_segmentation"),
    ("concept description", "概念描述", "what characterises a segment, in words and rules",
     "02_segmentation"),
    ("association analysis", "关联分析 (购物篮分析)", "items bought together within one "
     "transaction (market basket)", "03_cross_selling"),
    ("support / confidence / lift", "支持度 / 置信度 / 提升度", "how common a combination is / "
     "how often Y follows X in a basket / how much more often than chance", "03_cross_selling"),
    ("cross-selling", "交叉销售", "offering an existing customer related products",
     "03_cross_selling, 04_sequences"),
    ("sequential patterns", "序列模式", "the order of a customer's transactions: what is bought "
     "after what", "04_sequences"),
    ("churn", "客户流失", "the end of the relationship: the customer no longer brings value",
     "05_churn"),
    ("retention", "客户保持", "keeping the relationship so the customer keeps bringing value",
     "05_churn"),
    ("customer lifecycle", "客户生命周期", "exploration 考察期, formation 形成期, stability "
     "稳定期, decline 退化期", "05_churn"),
    ("prediction", "自动预测趋势和行为", "predicting behaviour (churn, next purchase, CLV) from "
     "history", "05_churn, 07_lifetime_value"),
    ("deviation detection", "偏差检测", "records that differ markedly from the norm or from "
     "expectation", "06_deviation"),
    ("probability alive", "客户存活概率", "chance that a customer who has gone quiet will still "
     "buy again (BG/NBD)", "07_lifetime_value"),
    ("loyalty", "客户忠诚", "repeat purchase (behaviour) and preference (attitude); "
     "disloyal, spurious, latent, true loyalty", "05_churn, 08_loyalty_satisfaction"),
    ("loyalty types", "客户忠诚类型", "behavioural x attitudinal loyalty: no loyalty 不忠诚, "
     "spurious 虚假忠诚, latent 潜在忠诚, loyalty 忠诚; each with its own treatment",
     "08_loyalty_satisfaction"),
    ("analysis date (as_of)", "截止日期", "the cutoff date of an analysis: only purchases "
     "before it count (leakage-safe); churn labels look at the window after it. The package "
     "names it as_of", "01_customer_value, 05_churn, 06_deviation"),
    ("data cleaning", "数据清洗", "removing returns, cancellations, duplicates and lines without "
     "ids, counting each reason", "01_customer_value"),
    ("behavioural loyalty", "行为忠诚", "loyalty seen in buying: repeat purchases, frequency, "
     "steady buying (mining.loyalty.behavioural_score: orders and orders per year)",
     "08_loyalty_satisfaction"),
    ("attitudinal loyalty", "态度忠诚", "loyalty seen in attitude: preference, satisfaction, "
     "intent to repurchase, willingness to recommend (from a survey)", "08_loyalty_satisfaction"),
    ("no loyalty (disloyal)", "不忠诚", "low repeat buying and low attitude: serve at low cost, "
     "win back only the valuable", "08_loyalty_satisfaction"),
    ("spurious loyalty", "虚假忠诚", "buys often but does not care (habit, convenience, price): "
     "leaves for a better offer; build attachment", "08_loyalty_satisfaction"),
    ("latent loyalty", "潜在忠诚", "likes the shop but buys little: remove what stops them "
     "buying more", "08_loyalty_satisfaction"),
    ("true loyalty", "忠诚", "high repeat buying and high attitude: reward, keep, ask for "
     "referrals", "08_loyalty_satisfaction"),
    ("customer satisfaction", "客户满意", "perceived experience against expectation, measured "
     "by survey (overall satisfaction 1-10)", "08_loyalty_satisfaction"),
    ("transactional satisfaction", "交易型满意", "satisfaction with one transaction: the answer "
     "about the last order", "08_loyalty_satisfaction"),
    ("cumulative satisfaction", "累积型满意", "satisfaction with the whole relationship: all of "
     "a customer's answers together (mean or time-weighted)", "08_loyalty_satisfaction"),
    ("Net Promoter Score (NPS)", "净推荐值", "share of promoters (9-10 on 'how likely would you "
     "recommend us', 0-10) minus the share of detractors (0-6)", "08_loyalty_satisfaction"),
    ("driver importance", "满意度驱动因素重要性", "how much a service attribute (delivery, price, "
     "quality...) drives overall satisfaction: standardised regression coefficients or relative "
     "weights (share of explained variance)", "08_loyalty_satisfaction"),
    ("importance-performance analysis", "重要性-绩效分析 (IPA)", "each attribute placed by "
     "importance x performance: concentrate here, keep up the good work, low priority, possible "
     "overkill", "08_loyalty_satisfaction"),
    ("relative weight", "相对权重", "an attribute's share of the explained variance R^2 of "
     "overall satisfaction (Johnson 2000); robust when the ratings are correlated",
     "08_loyalty_satisfaction"),
    ("halo effect", "晕轮效应", "a customer who likes the firm rates every attribute higher, so "
     "attribute ratings are correlated", "08_loyalty_satisfaction"),
    ("Cohen's kappa", "科恩卡帕系数", "agreement of two labelings beyond chance: (accuracy - "
     "chance) / (1 - chance); 0 = chance, 1 = perfect", "08_loyalty_satisfaction"),
    ("non-response bias", "无应答偏差", "who answers a survey is not random (frequent buyers "
     "answer more often), so survey shares describe the respondents", "08_loyalty_satisfaction"),
    ("ACSI", "美国顾客满意度指数", "American Customer Satisfaction Index model: expectations, "
     "perceived quality and value drive satisfaction, which drives complaints and loyalty",
     "08_loyalty_satisfaction"),
]


def glossary() -> pd.DataFrame:
    """The glossary as a DataFrame indexed by ``term``: ``chinese``, ``definition``,
    ``notebook``."""
    return pd.DataFrame(GLOSSARY, columns=["term", "chinese", "definition", "notebook"]
                        ).set_index("term")
