"""Generate the offline demo website (newsmon/demo/site/), expected.json and sources.yaml.tmpl."""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import sys
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
B = "{{BASE}}"  # origin placeholder, replaced byte-wise by the demo server
MSK = timezone(timedelta(hours=3))
DEMO_NOTE_EN = "Simulated outlet for the newsmon offline demo. All stories, people and quotes are invented."
DEMO_NOTE_RU = "Имитация сайта для офлайн-демо newsmon. Все материалы, люди и цитаты вымышлены."


# --------------------------------------------------------------------------------------------
# Article data
# --------------------------------------------------------------------------------------------

@dataclass
class Article:
    key: str
    outlet: str                      # tmt | meduza | novaya | ovd
    lang: str                        # en | ru
    date: str                        # YYYY-MM-DD (Moscow time)
    time: str                        # HH:MM
    slug: str
    title: str
    authors: list[str]
    body: list[str]                  # paragraphs of plain text
    relevant: bool
    tags: list[str] = field(default_factory=list)
    subtitle: str = ""
    section: str = "news"
    kind: str = "article"            # article | gallery | paywall
    aid: int = 0                     # tmt numeric id
    modified_after: int = 4          # minutes between publication and last edit
    syndicated: bool = False
    amp: bool = False                # meduza: also serve <url>/amp
    no_charset: bool = False         # ovd: cp1251 bytes without any charset declaration
    related: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)   # gallery images

    # ---- derived -------------------------------------------------------------------------
    @property
    def published_dt(self) -> datetime:
        return datetime.fromisoformat(f"{self.date}T{self.time}:00").replace(tzinfo=MSK)

    @property
    def modified_dt(self) -> datetime:
        return self.published_dt + timedelta(minutes=self.modified_after)

    @property
    def published(self) -> str:
        return self.published_dt.isoformat()

    @property
    def modified(self) -> str:
        return self.modified_dt.isoformat()

    @property
    def path(self) -> str:
        y, m, d = self.date.split("-")
        if self.outlet == "tmt":
            return f"tmt/{y}/{m}/{d}/{self.slug}-a{self.aid}"
        if self.outlet == "meduza":
            prefix = "meduza/en/news" if self.lang == "en" else "meduza/news"
            return f"{prefix}/{y}/{m}/{d}/{self.slug}"
        if self.outlet == "novaya":
            return f"novaya/{y}/{m}/{d}/{self.slug}"
        return f"ovd/news/{y}/{m}/{d}/{self.slug}"

    @property
    def url(self) -> str:
        return f"{B}/{self.path}"

    @property
    def amp_path(self) -> str:
        return self.path + "/amp"

    @property
    def encoding(self) -> str:
        return "windows-1251" if self.outlet == "ovd" else "utf-8"

    @property
    def summary(self) -> str:
        return sentences(self.body[0])[0]


SYNDICATED_TITLE = "Serbia Orders Russian Anti-War Activist to Leave the Country"
SYNDICATED_BODY = [
    "Serbian authorities have ordered a Russian anti-war activist who has lived in Belgrade since "
    "2022 to leave the country within 30 days, citing an unspecified threat to national security, "
    "his lawyer said on Friday.",
    "Dmitry Gorelov, 38, co-founded a volunteer group that organizes rallies against the war in "
    "Ukraine and helps newly arrived Russians with paperwork. He was summoned to a police station "
    "this week and told that his temporary residence permit had been revoked.",
    "“No one has explained to us what exactly he is accused of,” lawyer Milica Jovanović told AFP. "
    "“The decision refers to a classified security assessment that we are not allowed to see.”",
    "Tens of thousands of Russians moved to Serbia after Moscow launched its offensive in February "
    "2022, drawn by visa-free entry and the absence of flight bans. Several outspoken activists "
    "among them have since lost their residency, and rights groups say the pattern suggests "
    "pressure from Moscow, a traditional ally of Belgrade.",
    "Gorelov’s volunteer group said more than 200 people had signed a letter to the Serbian "
    "ombudsman asking him to review the case. Its members plan to hold a small rally outside the "
    "interior ministry in central Belgrade next week.",
    "Serbia’s interior ministry did not respond to a request for comment. Gorelov said he would "
    "appeal the decision and feared being deported to Russia, where he could face criminal charges "
    "over his activism.",
]

ARTICLES: list[Article] = [
    # ---------------------------------------------------------------- The Moscow Times (en)
    Article(
        key="T1", outlet="tmt", lang="en", date="2025-11-20", time="13:25", aid=90001,
        slug="activist-detained-in-moscow",
        title="Activist Detained in Moscow After Solo Picket for Political Prisoners",
        subtitle="Police said her placard “discredited” the armed forces.",
        authors=["Anna Gorbacheva"], relevant=True, modified_after=27,
        tags=["Protests", "Political prisoners", "Moscow"], related=["T2"],
        body=[
            "Police in central Moscow detained a 34-year-old environmental activist on Thursday "
            "minutes after she unfolded a hand-written placard calling for the release of political "
            "prisoners, rights monitors said.",
            "Footage shared by the independent monitoring group Politzek Watch showed two officers "
            "leading Yelena Vasilchuk away from the Solovetsky Stone memorial on Lubyanka Square, "
            "where she had stood alone for roughly five minutes. Her placard listed the names of six "
            "people currently serving prison terms for anti-war statements.",
            "Single-person pickets are the only form of street protest in Russia that does not "
            "require prior approval from the authorities. In practice, however, police have "
            "routinely detained lone protesters since the start of the full-scale invasion of "
            "Ukraine in February 2022, often charging them with discrediting the armed forces.",
            "Vasilchuk was taken to the Meshchansky district police station, where officers drew up "
            "an administrative report against her, her lawyer Pavel Ostrovsky told The Moscow Times "
            "by phone. A repeat offense under the same article of the Administrative Code can lead "
            "to criminal charges carrying a sentence of up to five years.",
            "“She knew exactly what she was risking,” Ostrovsky said. “She told me she could no "
            "longer stay silent while people she knows personally are sitting behind bars.”",
            "Vasilchuk, who coordinated volunteer clean-ups of the Moskva River before 2022, was "
            "released late on Thursday evening. A court hearing in her case is scheduled for next "
            "week.",
        ],
    ),
    Article(
        key="T2", outlet="tmt", lang="en", date="2025-11-14", time="19:10", aid=90002,
        slug="russia-labels-exiled-journalist-and-two-rights-groups-foreign-agents",
        title="Russia Labels Exiled Journalist and Two Rights Groups 'Foreign Agents'",
        subtitle="The Justice Ministry’s registry now lists more than 1,000 names.",
        authors=["Olga Petrenko"], relevant=True,
        tags=["Foreign agents", "Press freedom", "Human rights"], related=["T6"],
        body=[
            "Russia’s Justice Ministry on Friday added an exiled investigative journalist, a legal "
            "aid group for conscripts and a regional human rights center to its registry of "
            "“foreign agents,” continuing a weekly ritual that has now ensnared more than 1,000 "
            "individuals and organizations.",
            "The journalist, Maxim Belyaev, left Russia for Lithuania in 2022 and has since reported "
            "on military procurement fraud for several exiled outlets. The ministry said he had "
            "“disseminated false information about decisions taken by the Russian authorities” and "
            "opposed the war in Ukraine.",
            "Also designated were the Conscript Rights Center, which advises young men on "
            "alternative civilian service, and the Volga Human Rights Center in Samara, which has "
            "documented torture allegations in local police stations for more than a decade.",
            "The “foreign agent” label carries strong Soviet-era connotations and obliges those "
            "designated to mark everything they publish with a lengthy disclaimer. Since 2024, "
            "people on the list have also been barred from running for office, teaching in state "
            "institutions and receiving income from advertising.",
            "Belyaev said in a post on Telegram that he had expected the decision for months. “It "
            "changes nothing in my work, only the length of the disclaimer under every article,” he "
            "wrote.",
            "The Volga Human Rights Center said it would challenge the designation in court, "
            "although such appeals have almost never succeeded.",
        ],
    ),
    Article(
        key="T3", outlet="tmt", lang="en", date="2025-11-18", time="16:40", aid=90003,
        slug="yekaterinburg-man-jailed-for-14-years-for-treason-over-charity-donation",
        title="Yekaterinburg Man Jailed for 14 Years for Treason Over Charity Donation",
        subtitle="",
        authors=["Daniel Kessler"], relevant=True,
        tags=["Treason", "Yekaterinburg", "Crackdown"], related=["T1"],
        body=[
            "A court in the Urals city of Yekaterinburg has sentenced a 29-year-old logistics "
            "manager to 14 years in a maximum-security penal colony for high treason over a donation "
            "of about 5,000 rubles to a Ukrainian charity, his lawyers said Tuesday.",
            "Prosecutors said Artyom Lukin transferred the money in March 2023 to a fund that buys "
            "medical supplies and equipment for the Ukrainian army. Investigators from the Federal "
            "Security Service (FSB) detained him at his workplace last autumn after finding the "
            "transaction during a check of his bank records.",
            "Lukin pleaded partially guilty, acknowledging the transfer but denying that he intended "
            "to harm Russia’s security, according to the legal aid project Article 275, which tracks "
            "treason cases. The trial was held behind closed doors because the case materials were "
            "classified.",
            "Treason cases have multiplied since Russia launched its full-scale invasion of Ukraine, "
            "with courts now handing down verdicts almost every week. Lawyers say donations to "
            "Ukrainian causes, sometimes amounting to only a few hundred rubles, have become one of "
            "the most common grounds for prosecution.",
            "Before his arrest, Lukin had no history of political activism and had never attended "
            "a protest, his friends told local media. Colleagues at the freight company where he "
            "worked described him as a quiet, meticulous employee who volunteered at an animal "
            "shelter on weekends.",
            "Lukin’s mother told reporters outside the courthouse that her son had made the transfer "
            "after watching news footage of a destroyed hospital. His defense team said it would "
            "appeal the verdict.",
        ],
    ),
    Article(
        key="T4", outlet="tmt", lang="en", date="2025-11-17", time="12:05", aid=90004,
        slug="relatives-of-emigre-activists-report-being-barred-from-leaving-russia",
        title="Relatives of Emigre Activists Report Being Barred From Leaving Russia",
        subtitle="Border guards cite unpaid fines or unspecified decisions by law enforcement.",
        authors=["Anna Gorbacheva", "Mark Hollis"], relevant=True, section="diaspora",
        tags=["Emigration", "Exit bans", "Diaspora"], related=["T5"],
        body=[
            "Border guards have turned back at least nine relatives of Russian activists living "
            "abroad in recent weeks, informing them at passport control that they were banned from "
            "leaving the country, according to a survey by an emigre support network.",
            "The network, Exit Point, which helps Russians relocating to Georgia, Armenia and "
            "Serbia, said those affected included the parents and siblings of opposition "
            "campaigners and journalists working for exiled media. In most cases, border officers "
            "cited unpaid fines or an unspecified decision by a law enforcement agency.",
            "One woman from Nizhny Novgorod, whose son coordinates an anti-war group from Tbilisi, "
            "said she was stopped at Sheremetyevo airport on her way to visit him. “The officer just "
            "said the system would not let me through and handed back my passport,” she told The "
            "Moscow Times, asking not to be named for safety reasons.",
            "Russian law allows the authorities to restrict foreign travel for people with "
            "outstanding debts, unfulfilled court orders or access to state secrets. A law signed "
            "earlier this year expanded the list of grounds to include people under criminal "
            "investigation, as well as conscripts who have received a draft notice.",
            "Human rights lawyers say the restrictions are increasingly used as a lever against "
            "those who have already left. “Families become hostages,” said Nikolai Zorin, a lawyer "
            "who has represented several activists in exit ban disputes.",
            "The Federal Security Service, which oversees the Border Guard Service, did not respond "
            "to a request for comment.",
        ],
    ),
    Article(
        key="T5", outlet="tmt", lang="en", date="2025-11-21", time="11:05", aid=90005,
        slug="serbia-orders-russian-anti-war-activist-to-leave-the-country",
        title=SYNDICATED_TITLE, subtitle="",
        authors=["AFP"], relevant=True, syndicated=True, modified_after=16,
        tags=["Serbia", "Emigration", "Anti-war movement"], related=["T4"],
        body=SYNDICATED_BODY,
    ),
    Article(
        key="T6", outlet="tmt", lang="en", date="2025-11-19", time="17:30", aid=90006,
        slug="russia-blocks-independent-siberian-news-site-over-war-coverage",
        title="Russia Blocks Independent Siberian News Site Over War Coverage",
        subtitle="Taiga Times says its Telegram channel and newsletter will keep running.",
        authors=["Olga Petrenko"], relevant=True,
        tags=["Censorship", "Roskomnadzor", "Siberia"], related=["T2"],
        body=[
            "Access to Taiga Times, an independent news website covering Siberia, was restricted in "
            "Russia on Wednesday after the Prosecutor General’s Office ordered the media regulator "
            "Roskomnadzor to block it.",
            "The outlet, which relocated its editorial team to Kazakhstan in 2023, said its main "
            "domain and two mirror sites had stopped opening for readers in Novosibirsk, Tomsk and "
            "Krasnoyarsk without a VPN. The regulator’s registry cited “false information about the "
            "special military operation” as the reason for the block.",
            "Editor-in-chief Svetlana Markova said the decision followed a series of reports on the "
            "recruitment of prisoners from local penal colonies. “We expected it sooner or later, "
            "and we prepared,” she said, adding that the site’s Telegram channel and newsletter "
            "would continue to operate.",
            "Roskomnadzor has blocked thousands of websites since 2022, including most major "
            "independent Russian-language outlets and many foreign news organizations. The "
            "authorities have also throttled YouTube and restricted calls in messaging apps, while "
            "the number of VPN services banned in the country has passed 200, according to digital "
            "rights activists.",
            "Taiga Times said its audience inside Russia had fallen by about a third after the "
            "previous round of restrictions, but had partly recovered as readers switched to "
            "circumvention tools.",
        ],
    ),
    Article(
        key="T7", outlet="tmt", lang="en", date="2025-11-13", time="15:15", aid=90007,
        slug="ruble-slides-to-three-month-low-as-oil-prices-fall",
        title="Ruble Slides to Three-Month Low as Oil Prices Fall",
        subtitle="Importers are stocking up on currency ahead of the New Year holidays.",
        authors=["Mark Hollis"], relevant=False, section="business",
        tags=["Ruble", "Economy", "Oil"], related=["T9"],
        body=[
            "The ruble weakened past 84 to the US dollar on Thursday for the first time since "
            "August, as falling global oil prices and seasonal import demand weighed on the Russian "
            "currency.",
            "On the Moscow Exchange, the ruble lost 1.6% against the Chinese yuan, the most traded "
            "foreign currency in Russia since Western sanctions cut the country off from dollar and "
            "euro settlements. The Central Bank set the official dollar rate for Friday at 83.92 "
            "rubles.",
            "Analysts at a Moscow brokerage said the decline reflected lower export revenues after "
            "Brent crude fell below $62 a barrel and a seasonal increase in purchases by importers "
            "ahead of the New Year holidays. Exporters, who are obliged to sell part of their "
            "foreign currency earnings, have also reduced sales in recent weeks.",
            "The Central Bank cut its key interest rate to 16.5% last month and signaled that "
            "further easing would depend on inflation, which slowed to an annual 7.7% in October. A "
            "weaker ruble tends to push up prices for imported goods, from cars to consumer "
            "electronics.",
            "“We see the ruble trading in a range of 82 to 88 per dollar until the end of the "
            "year,” said Yulia Denisova, chief economist at Horizon Capital. “A sharp collapse is "
            "unlikely as long as oil stays above $60.”",
            "The Finance Ministry is expected to publish its monthly plan for foreign currency "
            "purchases on Friday.",
        ],
    ),
    Article(
        key="T8", outlet="tmt", lang="en", date="2025-11-12", time="09:40", aid=90008,
        slug="us-immigration-raids-spread-to-chicago-suburbs-sparking-protests",
        title="US Immigration Raids Spread to Chicago Suburbs, Sparking Protests",
        subtitle="",
        authors=["Daniel Kessler"], relevant=False, section="news",
        tags=["United States", "Immigration"], related=["T10"],
        body=[
            "Federal immigration agents detained more than 40 people in a series of raids across "
            "Chicago’s western suburbs over the past week, prompting protests outside a processing "
            "facility and a legal challenge from local officials.",
            "Residents filmed masked agents from Immigration and Customs Enforcement stopping cars "
            "outside a grocery store in Cicero and entering apartment buildings in Melrose Park. "
            "Advocacy groups said several of those detained had lived in the United States for more "
            "than a decade and had no criminal record.",
            "The Department of Homeland Security said the operation targeted people with final "
            "deportation orders and that agents acted within the law. The administration has "
            "pledged to carry out the largest deportation program in American history and has "
            "expanded detention capacity across the country.",
            "Hundreds of demonstrators gathered on Tuesday evening outside the processing facility, "
            "where detainees are held before being transferred to detention centers in other "
            "states. Police arrested five protesters after they blocked a gate, local media "
            "reported.",
            "Illinois officials have asked a federal judge to limit the use of force by agents "
            "during arrests, arguing that the raids have spread fear in immigrant communities and "
            "discouraged children from attending school.",
        ],
    ),
    Article(
        key="T9", outlet="tmt", lang="en", date="2025-11-11", time="08:20", aid=90009,
        slug="moscow-braces-for-first-snow-as-temperatures-drop-below-freezing",
        title="Moscow Braces for First Snow as Temperatures Drop Below Freezing",
        subtitle="Forecasters expect up to five centimeters of wet snow on Friday night.",
        authors=["Anna Gorbacheva"], relevant=False, section="meanwhile",
        tags=["Weather", "Moscow"], related=["T7"],
        body=[
            "Muscovites should prepare for the first snow of the season later this week as a cold "
            "front from Scandinavia pushes temperatures below freezing, forecasters said Tuesday.",
            "The Hydrometeorological Center said up to five centimeters of wet snow could fall on "
            "Friday night, with daytime temperatures dropping to minus 3 degrees Celsius by the "
            "weekend. Nighttime frosts in the Moscow region could reach minus 8 degrees.",
            "City authorities said more than 10,000 snow-clearing vehicles were ready for the "
            "winter and that road crews would begin treating major highways with de-icing agents on "
            "Thursday. Drivers were urged to switch to winter tires and to avoid unnecessary trips "
            "during the first snowfall, when the number of accidents traditionally spikes.",
            "Meteorologists noted that the autumn had so far been unusually mild, with October "
            "temperatures in Moscow about two degrees above the long-term average. The first snow "
            "usually falls in the capital in late October, although it rarely stays on the ground "
            "for long.",
            "Forecaster Tatyana Pozdnyakova said a stable snow cover was unlikely to form before "
            "early December.",
        ],
    ),
    Article(
        key="T10", outlet="tmt", lang="en", date="2025-11-10", time="14:00", aid=90010,
        slug="ukrainian-refugees-in-poland-face-benefit-cuts-under-new-rules",
        title="Ukrainian Refugees in Poland Face Benefit Cuts Under New Rules",
        subtitle="Aid groups warn that single mothers and pensioners will be hit hardest.",
        authors=["Mark Hollis"], relevant=False, section="news",
        tags=["Poland", "Refugees", "Ukraine"], related=["T8"],
        body=[
            "Ukrainian refugees in Poland will lose access to some child benefits unless they are "
            "employed, under new rules that came into force this month, a change that aid groups "
            "warn could push thousands of families into poverty.",
            "Poland has hosted close to one million Ukrainians who fled Russia’s full-scale "
            "invasion, more than almost any other country in the European Union. Under the amended "
            "law, the monthly payment of 800 zloty per child will be available only to parents who "
            "work in Poland and whose children attend Polish schools.",
            "The government in Warsaw says the measure is meant to encourage integration and ease "
            "pressure on the budget. Polish officials point out that most working-age Ukrainians in "
            "the country already have jobs and pay taxes.",
            "Charities in Warsaw and Krakow said they had seen a rise in requests for help from "
            "single mothers and elderly refugees who cannot work. “Many of these women are caring "
            "for small children or for sick parents,” said Oksana Hrytsenko, who runs a refugee "
            "support center in Krakow.",
            "Several Ukrainian families told reporters they were considering moving on to Germany "
            "or Czechia, while others said they might return home despite ongoing Russian strikes "
            "on Ukrainian cities.",
        ],
    ),
    Article(
        key="TG", outlet="tmt", lang="en", date="2025-11-19", time="10:00", aid=90099,
        slug="photo-gallery-first-snow", kind="gallery",
        title="Photo Gallery: Moscow Wakes Up to First Snow",
        subtitle="", authors=["Anna Gorbacheva"], relevant=False, section="news",
        tags=["Weather", "Moscow", "Photos"],
        body=["Moscow woke up to its first proper snowfall of the season on Wednesday. Here is how "
              "the city looked."],
        captions=[
            "Snow-covered benches in Gorky Park",
            "A street cleaner at work on Tverskaya Street",
            "Children sledding in Kolomenskoye",
            "Traffic on the Garden Ring in the morning rush hour",
            "The Kremlin towers seen from Bolshoi Kamenny Bridge",
            "A dog walker on the frozen bank of the Yauza",
        ],
    ),

    # ---------------------------------------------------------------- Meduza (ru)
    Article(
        key="M1", outlet="meduza", lang="ru", date="2025-11-20", time="18:45",
        slug="v-peterburge-zaderzhali-uchastnikov-aktsii-v-podderzhku-politzaklyuchennyh",
        title="В Петербурге задержали участников акции в поддержку политзаключенных",
        authors=["Полина Орлова"], relevant=True, related=["M6", "M3"],
        tags=["задержания", "Петербург", "политзаключенные"],
        body=[
            "В четверг вечером полиция задержала в Петербурге не менее 17 человек, пришедших к "
            "Соловецкому камню на Троицкой площади с цветами и самодельными плакатами. Акцию "
            "приурочили ко дню рождения одного из петербургских политзаключенных, который отбывает "
            "срок за антивоенные посты.",
            "По данным мониторингового проекта «Наблюдатель», задержанных развезли по трем отделам "
            "полиции Центрального района. Среди них — две пенсионерки и студент, которого, по словам "
            "очевидцев, сотрудники ОМОНа повалили на землю.",
            "«Люди просто стояли и держали в руках открытки, никто ничего не выкрикивал», — "
            "рассказала «Медузе» одна из участниц, которой удалось уйти до начала задержаний. По ее "
            "словам, полицейские сначала попросили собравшихся разойтись, а через несколько минут "
            "начали заталкивать людей в автозаки.",
            "На задержанных составили протоколы по статье о нарушении порядка проведения "
            "публичного мероприятия. Двоим из них также грозит ответственность за «дискредитацию» "
            "армии из-за надписей на плакатах.",
            "С начала полномасштабной войны в Украине в Петербурге регулярно задерживают людей, "
            "которые приходят к памятникам с цветами. Чаще всего такие задержания заканчиваются "
            "штрафами, но повторное нарушение может стать основанием для уголовного дела.",
            "К ночи большинство задержанных отпустили, суды по их делам назначены на следующую "
            "неделю.",
        ],
    ),
    Article(
        key="M2", outlet="meduza", lang="ru", date="2025-11-13", time="12:00",
        slug="v-moskve-otkrylis-tri-novye-stantsii-troitskoy-linii-metro",
        title="В Москве открылись три новые станции Троицкой линии метро",
        authors=["Дмитрий Кравец"], relevant=False, related=["M5"],
        tags=["Москва", "метро", "транспорт"],
        body=[
            "Московское метро запустило участок Троицкой линии с тремя новыми станциями: "
            "«Сосенки», «Газопровод» и «Десеновское». Первые поезда прошли по новому участку в "
            "четверг утром.",
            "Участок длиной почти девять километров соединил с метро несколько крупных жилых "
            "комплексов в Новой Москве. По оценке столичного стройкомплекса, новыми станциями будут "
            "ежедневно пользоваться около 120 тысяч пассажиров.",
            "Заместитель мэра по вопросам градостроительной политики заявил, что время поездки от "
            "новых районов до центра города сократится в среднем на 25 минут. Раньше жителям "
            "приходилось добираться до ближайшей станции на автобусах, которые в часы пик стояли в "
            "пробках на Калужском шоссе.",
            "Первые пассажиры жаловались в соцсетях на недоработки: на одной из станций не работали "
            "эскалаторы, а навигационные указатели в переходах еще не успели установить. В "
            "метрополитене пообещали устранить недостатки до конца недели.",
            "Станции оформлены в светлых тонах, а на платформе «Газопровода» разместили панно, "
            "посвященное истории деревень, на месте которых выросли новые кварталы. Рядом с каждой "
            "станцией построили перехватывающие парковки.",
            "До конца года в Москве планируют открыть еще две станции, а к 2027 году Троицкая линия "
            "должна дойти до города Троицка.",
        ],
    ),
    Article(
        key="M3", outlet="meduza", lang="ru", date="2025-11-17", time="13:30",
        slug="genprokuratura-priznala-nezhelatelnym-cheshskiy-fond-pomogavshiy-emigrantam",
        title="Генпрокуратура признала «нежелательным» чешский фонд, помогавший российским эмигрантам",
        authors=["Анастасия Лебедева", "Григорий Шатров"], relevant=True, related=["M6", "M1"],
        tags=["нежелательные организации", "эмиграция", "Чехия"],
        body=[
            "Генеральная прокуратура России признала «нежелательной» деятельность пражского фонда "
            "«Открытый дом», который с 2022 года помогает российским эмигрантам с жильем, "
            "юридическими консультациями и поиском работы.",
            "В ведомстве заявили, что фонд «представляет угрозу основам конституционного строя и "
            "безопасности» России, а его сотрудники «способствуют выезду граждан, уклоняющихся от "
            "мобилизации». Других подробностей в сообщении не приводится.",
            "По словам директора фонда Ленки Новаковой, за три года «Открытый дом» помог более чем "
            "четырем тысячам человек, в основном семьям с детьми. «Мы не занимаемся политикой. Мы "
            "помогаем людям снять квартиру, оформить документы и записать ребенка в школу», — "
            "сказала она «Медузе».",
            "Новакова добавила, что в последние месяцы в фонд все чаще обращаются не только "
            "недавно уехавшие россияне, но и те, кто живет в Чехии уже несколько лет и столкнулся с "
            "проблемами при продлении документов.",
            "Участие в деятельности «нежелательной» организации в России является уголовным "
            "преступлением и наказывается лишением свободы на срок до шести лет. Юристы "
            "предупреждают, что под угрозой могут оказаться и те, кто делал фонду пожертвования.",
            "Сейчас в списке «нежелательных» организаций больше 200 иностранных и международных "
            "структур, включая несколько эмигрантских изданий и правозащитных проектов.",
            "Фонд заявил, что продолжит работу и не будет передавать российским властям никакие "
            "данные о людях, обращавшихся за помощью.",
        ],
    ),
    Article(
        key="M4", outlet="meduza", lang="ru", date="2025-11-15", time="11:20",
        slug="v-arhangelske-zaderzhali-muzhchinu-s-krupnoy-partiey-narkotikov",
        title="В Архангельске задержали мужчину с крупной партией наркотиков",
        authors=["Григорий Шатров"], relevant=False, related=["M2"],
        tags=["Архангельск", "наркотики", "МВД"],
        body=[
            "Полицейские в Архангельске задержали 27-летнего местного жителя, у которого при обыске "
            "нашли около двух килограммов мефедрона. Об этом сообщило региональное управление МВД.",
            "По версии следствия, мужчина получал крупные партии наркотиков через тайники в "
            "лесополосе за городом, а затем фасовал их в съемной квартире и распространял через "
            "интернет-магазин в даркнете. Во время обыска полицейские также изъяли электронные "
            "весы, упаковочный материал и несколько телефонов.",
            "Против задержанного возбудили уголовное дело о покушении на сбыт наркотиков в особо "
            "крупном размере. Ему грозит до 20 лет лишения свободы, суд уже отправил его под арест "
            "на два месяца.",
            "В полиции уточнили, что устанавливают возможных сообщников мужчины. По данным "
            "ведомства, с начала года в Архангельской области изъяли больше 30 килограммов "
            "синтетических наркотиков.",
            "Соседи задержанного рассказали местным журналистам, что мужчина переехал в квартиру "
            "около года назад и почти ни с кем не общался. К нему часто приезжали курьеры, но это ни "
            "у кого не вызывало подозрений.",
            "Дела о сбыте наркотиков остаются одними из самых распространенных в российских судах: "
            "по ним ежегодно осуждают десятки тысяч человек.",
        ],
    ),
    Article(
        key="M5", outlet="meduza", lang="ru", date="2025-11-16", time="21:05",
        slug="zenit-obygral-spartak-i-vernulsya-na-pervoe-mesto-v-rpl",
        title="«Зенит» обыграл «Спартак» и вернулся на первое место в РПЛ",
        authors=["Дмитрий Кравец"], relevant=False, related=["M2"],
        tags=["футбол", "РПЛ", "Зенит", "Спартак"],
        body=[
            "Петербургский «Зенит» обыграл московский «Спартак» со счетом 2:1 в центральном матче "
            "16-го тура Российской премьер-лиги и вернулся на первую строчку турнирной таблицы.",
            "Хозяева открыли счет уже на девятой минуте: после подачи углового точным ударом "
            "головой отличился защитник Игорь Дьяконов. Москвичи сравняли счет в начале второго "
            "тайма, когда полузащитник Руслан Гафуров замкнул прострел с правого фланга.",
            "Для Дьяконова этот гол стал уже третьим в сезоне, причем все три он забил головой "
            "после стандартных положений.",
            "Победный гол на 78-й минуте забил вышедший на замену форвард Артур Санчес, который "
            "воспользовался ошибкой вратаря «Спартака» при выходе из ворот. В концовке гости имели "
            "шанс спасти матч, однако удар Гафурова со штрафного пришелся в перекладину.",
            "Матч на стадионе в Петербурге посетили почти 55 тысяч зрителей. После игры главный "
            "тренер «Спартака» признал, что его команда «сама подарила сопернику победу», и "
            "пожаловался на плотный календарь.",
            "«Зенит» набрал 35 очков и на одно очко опережает «Краснодар», у которого на игру "
            "меньше. «Спартак» остался на пятом месте.",
            "Следующий тур чемпионата пройдет после паузы на матчи сборных.",
        ],
    ),
    Article(
        key="M6", outlet="meduza", lang="ru", date="2025-11-11", time="16:50", amp=True,
        slug="sud-zaochno-arestoval-zhurnalistku-uehavshuyu-v-gruziyu",
        title="Суд заочно арестовал журналистку, уехавшую в Грузию",
        authors=["Анастасия Лебедева"], relevant=True, related=["M3", "M1"],
        tags=["журналисты", "фейки об армии", "Грузия", "эмиграция"],
        body=[
            "Басманный суд Москвы заочно арестовал журналистку Марию Дорохову, которая с 2022 года "
            "живет в Тбилиси. Ее обвиняют в распространении «фейков» об армии по мотивам "
            "политической ненависти.",
            "Поводом для дела, по данным следствия, стали два видеосюжета о мобилизации в Бурятии, "
            "которые Дорохова сняла для эмигрантского ютуб-канала. Журналистку объявили в "
            "международный розыск; в случае задержания и экстрадиции в Россию ей грозит до десяти "
            "лет лишения свободы.",
            "Дорохова узнала о решении суда из новостей. «Я не собираюсь возвращаться, пока в "
            "стране действуют такие законы. Работать буду как прежде», — сказала она «Медузе».",
            "До отъезда из России Дорохова несколько лет работала корреспондентом регионального "
            "телеканала в Улан-Удэ. В Тбилиси она продолжила снимать репортажи о мобилизации и о "
            "семьях погибших военных, а также запустила подкаст о жизни российских эмигрантов.",
            "В Грузии живут десятки российских журналистов, уехавших после начала войны. В "
            "последние месяцы некоторым из них отказали во въезде в страну на границе без "
            "объяснения причин, а местные власти ужесточили правила получения вида на жительство.",
            "Заочные аресты стали обычной практикой в отношении эмигрировавших критиков власти. "
            "Такое решение позволяет объявить человека в розыск и в дальнейшем рассматривать его "
            "дело в суде без его участия.",
        ],
    ),

    # ---------------------------------------------------------------- Meduza (en)
    Article(
        key="E1", outlet="meduza", lang="en", date="2025-11-21", time="11:40",
        slug="serbia-orders-russian-anti-war-activist-to-leave-the-country",
        title=SYNDICATED_TITLE, authors=["AFP"], relevant=True, syndicated=True,
        tags=["Serbia", "emigration", "anti-war movement"], related=["E3", "E4"],
        body=SYNDICATED_BODY,
    ),
    Article(
        key="E2", outlet="meduza", lang="en", date="2025-11-19", time="19:25",
        slug="georgian-parliament-passes-tougher-rules-for-foreign-agents",
        title="Georgia’s parliament passes tougher rules for ‘foreign agents,’ targeting local NGOs",
        authors=["Alexandra Finch"], relevant=False, related=["E3"],
        tags=["Georgia", "foreign agents", "NGOs"],
        body=[
            "Georgia’s parliament on Wednesday approved amendments that expand the country’s own "
            "“foreign agent” legislation, allowing the authorities to fine and ultimately shut down "
            "local NGOs and media outlets that receive funding from abroad.",
            "The amendments, proposed by the ruling Georgian Dream party, give the Anti-Corruption "
            "Bureau the power to inspect the finances of any organization suspected of “acting in "
            "the interests of a foreign principal.” Groups that refuse to register could face fines "
            "of up to 25,000 lari, and their leaders could face criminal charges.",
            "Opposition lawmakers boycotted the vote, and several hundred people protested outside "
            "the parliament building on Rustaveli Avenue in Tbilisi. The demonstrators waved "
            "Georgian and European Union flags and chanted slogans against what they called “the "
            "Russian law.”",
            "The European Union has said the legislation is incompatible with Georgia’s bid for "
            "membership and has frozen part of its financial assistance to the government. Georgian "
            "Dream insists that the law is modeled on the US Foreign Agents Registration Act and is "
            "needed to ensure transparency.",
            "Local watchdogs say dozens of organizations, including election monitors and "
            "independent regional newspapers, could be forced to close by the end of the year. "
            "Several have already moved their registration to neighboring Armenia.",
        ],
    ),
    Article(
        key="E3", outlet="meduza", lang="en", date="2025-11-17", time="15:00",
        slug="an-exiled-russian-newsroom-moves-to-vilnius-after-two-years-in-riga",
        title="An exiled Russian newsroom moves to Vilnius after two years in Riga",
        authors=["Ilya Sorokin"], relevant=True, related=["E1", "E4"],
        tags=["exiled media", "Lithuania", "Latvia", "emigration"],
        body=[
            "The independent Russian outlet Severny Veter has moved its editorial office from Riga "
            "to Vilnius, becoming the latest exiled newsroom to relocate within the Baltic states "
            "as residency rules for Russian citizens tighten.",
            "Editor-in-chief Yegor Platonov told Meduza that 14 of the outlet’s 22 staff members had "
            "already received Lithuanian residence permits, while the remaining employees would "
            "work remotely from Tbilisi and Belgrade until their paperwork is processed. The "
            "newsroom first left Moscow in March 2022, days after the authorities blocked its "
            "website.",
            "Latvia has introduced mandatory language tests for some Russian residents and has "
            "tightened checks on those applying to extend their permits. Platonov said several of "
            "his journalists had waited more than a year for decisions on their applications, which "
            "made it impossible to plan ahead.",
            "Lithuania hosts a sizable community of exiled Russian journalists and activists, "
            "although its security services vet new arrivals closely. Applicants from Russia must "
            "fill out a detailed questionnaire about their views on the war in Ukraine and the "
            "annexation of Crimea.",
            "Back in Russia, Severny Veter was designated an “undesirable organization” last year, "
            "which means that anyone who cooperates with it risks criminal prosecution. The outlet "
            "says it still has a network of freelance contributors in more than a dozen Russian "
            "regions who work anonymously.",
        ],
    ),
    Article(
        key="E4", outlet="meduza", lang="en", date="2025-11-12", time="12:15",
        slug="kazan-student-gets-five-years-for-donating-to-an-extremist-group",
        title="A Kazan student gets five years in prison for donating to an ‘extremist’ anti-corruption group",
        authors=["Alexandra Finch", "Ilya Sorokin"], relevant=True, related=["E3", "E1"],
        tags=["extremism", "Kazan", "political prisoners"],
        body=[
            "A court in Kazan has sentenced a 21-year-old university student to five years in a "
            "general-regime penal colony for financing an extremist organization, after he made "
            "several small donations to the Anti-Corruption Foundation founded by Alexei Navalny.",
            "According to the prosecution, Timur Khasanov transferred a total of 1,800 rubles to "
            "the foundation in 2023 and 2024, when it had already been designated “extremist” by a "
            "Russian court. He was detained in April after investigators obtained his banking data.",
            "Khasanov told the court that he had not known that donating was illegal and asked for a "
            "suspended sentence. The judge rejected the request, citing the “public danger” of the "
            "offense.",
            "Russian courts have convicted dozens of people for donations to Navalny’s "
            "organizations since they were banned as extremist in 2021, with some defendants "
            "receiving prison terms for transfers of just a few hundred rubles. Human rights "
            "lawyers say banks routinely share transaction data with the security services.",
            "Khasanov’s lawyer said the defense would appeal. The student was expelled from his "
            "university shortly after his arrest.",
        ],
    ),

    # ---------------------------------------------------------------- Novaya Gazeta Europe (ru)
    Article(
        key="N1", outlet="novaya", lang="ru", date="2025-11-20", time="15:10",
        slug="sud-arestoval-zhurnalista",
        title="Суд в Пскове арестовал журналиста по делу о «фейках» об армии",
        authors=["Олег Вершинин"], relevant=True, related=["N4", "N3"],
        tags=["журналисты", "фейки об армии", "Псков"],
        body=[
            "Псковский городской суд отправил под арест на два месяца журналиста местного "
            "интернет-издания «Псковская среда» Андрея Лаврова. Его обвиняют в распространении "
            "заведомо ложной информации о российской армии.",
            "Уголовное дело возбудили из-за публикации о похоронах контрактников в одном из "
            "районов области, которую Лавров написал весной. По версии следствия, журналист "
            "«исказил данные о потерях» и использовал сведения из «непроверенных источников».",
            "Накануне у Лаврова и его родителей прошли обыски. Силовики изъяли ноутбук, телефоны, "
            "жесткие диски и блокноты с записями, рассказал адвокат журналиста Игорь Стрельцов.",
            "По словам коллег, Лавров проработал в издании больше восьми лет и писал в основном о "
            "местном самоуправлении и состоянии дорог. Тема войны появилась в его материалах только "
            "в прошлом году, когда в редакцию стали обращаться семьи погибших.",
            "«Мой подзащитный не признает вину. Все цифры в материале подтверждены документами и "
            "свидетельствами родственников погибших», — сказал Стрельцов. Защита намерена "
            "обжаловать арест.",
            "Статья о «фейках» об армии появилась в Уголовном кодексе в марте 2022 года. По ней "
            "осуждены уже сотни человек, в том числе несколько журналистов региональных изданий.",
            "Редакция «Псковской среды» заявила, что продолжит работу, а материал о похоронах "
            "останется на сайте.",
        ],
    ),
    Article(
        key="N2", outlet="novaya", lang="ru", date="2025-11-19", time="10:30",
        slug="rossiyskie-aktivisty-v-erevane",
        title="«Мы приехали на месяц, а остались на три года»: как живут российские активисты в Ереване",
        authors=["Екатерина Зайцева"], relevant=True, related=["N4", "N8"],
        tags=["эмиграция", "Армения", "активисты"],
        body=[
            "Когда осенью 2022 года Алина и Роман Мещеряковы прилетели в Ереван с двумя "
            "чемоданами, они были уверены, что уезжают ненадолго. Сейчас у них небольшое кафе в "
            "районе Кентрон, вид на жительство и сын, который пошел в армянский детский сад.",
            "По оценкам местных волонтерских организаций, в Армении по-прежнему живут несколько "
            "десятков тысяч россиян, уехавших после начала войны и объявления мобилизации. Среди "
            "них — активисты, журналисты и сотрудники закрытых в России правозащитных организаций.",
            "Роман до отъезда координировал группу наблюдателей на выборах в Нижнем Новгороде. "
            "После того как к его родителям дважды приходили с обыском, он понял, что возвращаться "
            "опасно. «Здесь мы впервые за долгое время перестали вздрагивать от звонка в дверь», — "
            "говорит он.",
            "Жизнь в эмиграции, впрочем, не становится проще. Цены на аренду в Ереване за три года "
            "выросли почти вдвое, а часть российских банковских карт перестала работать после "
            "очередного пакета санкций.",
            "Некоторые активисты жалуются и на ощущение уязвимости: армянские пограничники "
            "несколько раз задерживали россиян по запросам Москвы, хотя до экстрадиции по "
            "политическим делам дело пока не доходило.",
            "Мещеряковы говорят, что не планируют возвращаться, пока в России сажают за слова. Раз "
            "в месяц они собирают в своем кафе письма политзаключенным.",
        ],
    ),
    Article(
        key="N3", outlet="novaya", lang="ru", date="2025-11-18", time="09:15",
        slug="obyski-u-byvshih-sotrudnikov-shtaba-navalnogo-v-novosibirske",
        title="В Новосибирске прошли обыски у бывших сотрудников штаба Навального",
        authors=["Ирина Ставская", "Сергей Мальцев"], relevant=True, related=["N1", "N4"],
        tags=["обыски", "экстремизм", "Новосибирск"],
        body=[
            "Утром во вторник силовики пришли с обысками как минимум к пяти бывшим сотрудникам и "
            "волонтерам новосибирского штаба Алексея Навального. Об этом сообщили их знакомые и "
            "адвокаты.",
            "Обыски проходят по уголовному делу об участии в экстремистском сообществе. Сеть "
            "штабов Навального признали экстремистской в 2021 году, и с тех пор против бывших "
            "координаторов и волонтеров возбуждены десятки уголовных дел по всей стране.",
            "По словам адвоката Натальи Кривошеевой, у ее подзащитной изъяли телефон, ноутбук и "
            "старые агитационные материалы, которые хранились на антресолях с 2019 года. После "
            "обыска женщину увезли на допрос в управление Следственного комитета.",
            "Среди тех, к кому пришли силовики, есть и люди, которые давно отошли от политики. "
            "Одна из бывших волонтерок, по словам ее мужа, последние три года работает бухгалтером "
            "и не участвовала ни в каких акциях.",
            "Еще у одного бывшего волонтера, Константина Рябова, обыск прошел в квартире его "
            "матери: сам Рябов уехал из России два года назад и живет в Вильнюсе. «Они прекрасно "
            "знают, что меня там нет. Это способ давления на семью», — написал он в соцсетях.",
            "Статус задержанных после допросов пока неизвестен. Участие в экстремистском "
            "сообществе наказывается лишением свободы на срок до шести лет, организация — до десяти.",
        ],
    ),
    Article(
        key="N4", outlet="novaya", lang="ru", date="2025-11-17", time="17:40",
        slug="delo-o-nezhelatelnoy-organizatsii-protiv-pravozashchitnitsy",
        title="Против уехавшей в Литву правозащитницы возбудили дело о «нежелательной организации»",
        authors=["Сергей Мальцев"], relevant=True, related=["N3", "N2"],
        tags=["нежелательные организации", "Литва", "правозащитники"],
        body=[
            "Следственный комитет возбудил уголовное дело против правозащитницы Ольги Тимченко, "
            "которая с 2023 года живет в Вильнюсе. Ее обвиняют в участии в деятельности "
            "«нежелательной» организации.",
            "Как следует из постановления, с которым ознакомилась «Новая газета Европа», поводом "
            "стали два онлайн-семинара о правах задержанных, которые Тимченко провела для "
            "российских активистов. Семинары организовывал европейский фонд, признанный в России "
            "«нежелательным» в прошлом году.",
            "До отъезда Тимченко больше десяти лет руководила правозащитной группой в Воронеже, "
            "которая помогала заключенным местных колоний добиваться медицинской помощи. Группу "
            "ликвидировали по решению суда в 2022 году.",
            "В Вильнюсе Тимченко продолжает консультировать родственников заключенных и помогает "
            "им составлять жалобы. По ее словам, за последний год к ней обратились больше трехсот "
            "человек из разных регионов России.",
            "«Я ожидала чего-то подобного. Но мне страшно не за себя, а за тех, кто остался в "
            "России и участвовал в наших встречах», — сказала Тимченко.",
            "Дела о «нежелательных» организациях в последние годы стали одним из основных "
            "инструментов преследования эмигрантов. Такие дела, как правило, рассматриваются "
            "заочно, а обвиняемых объявляют в розыск.",
            "Литовские власти пока никак не прокомментировали ситуацию. Ранее Литва отказывала "
            "России в выдаче политических эмигрантов.",
        ],
    ),
    Article(
        key="N5", outlet="novaya", lang="ru", date="2025-11-14", time="13:00",
        slug="roskomnadzor-zablokiroval-sayty-onlayn-kazino",
        title="Роскомнадзор заблокировал более 600 сайтов нелегальных онлайн-казино",
        authors=["Ирина Ставская"], relevant=False, related=["N6"],
        tags=["Роскомнадзор", "азартные игры", "блокировки"],
        body=[
            "Роскомнадзор за неделю ограничил доступ к 640 сайтам нелегальных онлайн-казино и "
            "букмекерских контор. Об этом сообщили в пресс-службе ведомства.",
            "Основанием для блокировок стали решения Федеральной налоговой службы, которая отвечает "
            "за надзор за азартными играми в интернете. Большая часть сайтов, по данным ведомства, "
            "работала через так называемые зеркала — копии, размещенные на новых доменах после "
            "блокировки основного адреса.",
            "Чтобы обойти ограничения, владельцы таких площадок регистрируют десятки новых доменов "
            "в неделю и рассылают пользователям ссылки на них через мессенджеры и электронную почту.",
            "В Роскомнадзоре отметили, что операторы нелегальных казино все активнее продвигают "
            "свои сайты через телеграм-каналы и блогеров. С начала года ведомство удалило или "
            "заблокировало больше 40 тысяч рекламных публикаций такого рода.",
            "Азартные игры в России разрешены только в специальных игорных зонах и у легальных "
            "букмекеров, которые входят в единый реестр и платят налоги. По оценкам участников "
            "рынка, оборот нелегальных онлайн-казино в стране в несколько раз превышает оборот "
            "легальных букмекеров.",
            "С сентября за рекламу нелегальных казино введены штрафы до миллиона рублей для "
            "юридических лиц. Депутаты Госдумы также обсуждают законопроект об уголовной "
            "ответственности для организаторов таких площадок.",
        ],
    ),
    Article(
        key="N6", outlet="novaya", lang="ru", date="2025-11-13", time="16:20",
        slug="rosstat-zafiksiroval-zamedlenie-inflyatsii",
        title="Росстат зафиксировал замедление инфляции до минимума с начала года",
        authors=["Олег Вершинин"], relevant=False, related=["N5"],
        tags=["экономика", "инфляция", "Центробанк"],
        body=[
            "Годовая инфляция в России в октябре замедлилась до 7,7% после 8% в сентябре, сообщил "
            "Росстат. Это самый низкий показатель с начала года.",
            "Сильнее всего за месяц снизились цены на плодоовощную продукцию: огурцы, помидоры и "
            "капуста подешевели на 5–12% благодаря хорошему урожаю. В то же время продолжили расти "
            "тарифы на услуги ЖКХ, стоимость проезда в общественном транспорте и цены на лекарства.",
            "Аналитики связывают замедление инфляции с жесткой денежно-кредитной политикой "
            "Центробанка и охлаждением потребительского спроса. Ключевая ставка, по их мнению, "
            "может быть снижена еще на один процентный пункт на декабрьском заседании регулятора.",
            "Тем не менее, по опросам, сами россияне оценивают рост цен гораздо выше официальных "
            "данных. Ожидаемая населением инфляция в ноябре составила около 13%, а почти половина "
            "опрошенных заявили, что стали экономить на одежде и развлечениях.",
            "Экономисты также обращают внимание на рост цен на услуги, который почти не замедлился: "
            "зарплаты в сфере услуг продолжают расти из-за нехватки работников.",
            "Дефицит кадров особенно заметен в строительстве, розничной торговле и общественном "
            "питании, где работодатели вынуждены повышать зарплаты, чтобы удержать сотрудников.",
            "Центробанк прогнозирует, что к концу следующего года инфляция опустится до 4–5%.",
        ],
    ),
    Article(
        key="N7", outlet="novaya", lang="ru", date="2025-11-12", time="12:40",
        slug="v-kaliningrade-posle-rekonstruktsii-otkrylsya-muzey-yantarya",
        title="В Калининграде после реконструкции открылся Музей янтаря",
        authors=["Екатерина Зайцева"], relevant=False, related=["N6"],
        tags=["культура", "музеи", "Калининград"],
        body=[
            "Музей янтаря в Калининграде снова принимает посетителей после двух лет реконструкции. "
            "Экспозиция, расположенная в старинной крепостной башне на берегу Верхнего озера, стала "
            "почти вдвое больше.",
            "В новых залах показывают более трех тысяч предметов — от необработанных кусков "
            "янтаря с застывшими в них насекомыми до ювелирных украшений и мозаичных панно. "
            "Отдельный зал посвящен истории добычи янтаря на побережье Балтийского моря.",
            "Одним из самых ценных экспонатов стал кусок янтаря весом больше четырех килограммов, "
            "найденный в прошлом веке в карьере под Калининградом. Рядом с ним выставлены копии "
            "фрагментов знаменитой Янтарной комнаты.",
            "Во время реконструкции в башне заменили перекрытия, установили лифт и современную "
            "систему климат-контроля, которая должна защитить хрупкие экспонаты от перепадов "
            "влажности. Работы обошлись региональному бюджету почти в 900 миллионов рублей.",
            "Директор музея рассказала, что в первые выходные после открытия экспозицию посетили "
            "больше пяти тысяч человек. Многие из них приехали из других регионов.",
            "Для детей в музее открыли интерактивную мастерскую, где можно попробовать "
            "отшлифовать небольшой кусочек янтаря и узнать, как отличить натуральный камень от "
            "подделки.",
            "Билет для взрослых стоит 600 рублей, для школьников и пенсионеров предусмотрены "
            "скидки. По средам музей работает до девяти вечера.",
        ],
    ),
    Article(
        key="N8", outlet="novaya", lang="ru", date="2025-11-11", time="18:00",
        slug="gosduma-prinyala-zakon-o-konfiskatsii-imushchestva-inoagentov",
        title="Госдума приняла закон о конфискации имущества уехавших «иноагентов»",
        authors=["Ирина Ставская"], relevant=True, related=["N1", "N2"],
        tags=["иноагенты", "Госдума", "эмиграция"],
        body=[
            "Государственная дума приняла сразу во втором и третьем чтениях закон, который "
            "позволяет конфисковывать имущество «иностранных агентов», уехавших из России и заочно "
            "осужденных по ряду статей Уголовного кодекса.",
            "Речь идет о статьях о «фейках» об армии, призывах к экстремизму, участии в "
            "«нежелательных» организациях и госизмене. Конфискация будет возможна, если обвиняемый "
            "находится за границей и не явился в суд.",
            "Законопроект внесли в Госдуму меньше месяца назад, а первое чтение прошло практически "
            "без обсуждения. Против проголосовали лишь несколько депутатов, еще несколько "
            "воздержались.",
            "Правительство в официальном отзыве поддержало законопроект, однако предложило "
            "уточнить порядок, по которому имущество будет передаваться государству.",
            "Авторы закона утверждают, что он направлен против тех, кто «из-за рубежа ведет "
            "подрывную деятельность» и при этом продолжает получать доход от квартир и бизнеса в "
            "России. Вырученные средства планируется направлять в фонд поддержки участников войны.",
            "Юристы отмечают, что закон фактически вводит новое наказание для эмигрантов. «Человек "
            "может лишиться единственного жилья, где остались его пожилые родители», — говорит "
            "адвокат Леонид Гаврилов.",
            "Закон вступит в силу после одобрения Советом Федерации и подписания президентом. По "
            "данным правозащитников, заочные приговоры в России уже вынесены более чем двумстам "
            "эмигрантам.",
        ],
    ),
    Article(
        key="NP", outlet="novaya", lang="ru", date="2025-11-16", time="11:00", kind="paywall",
        slug="kak-zhivut-semi-politzaklyuchennyh",
        title="«Он пишет нам каждую неделю»: как живут семьи политзаключенных",
        authors=["Екатерина Зайцева"], relevant=True,
        tags=["политзаключенные", "репортаж"],
        body=[
            "В России сейчас больше тысячи политзаключенных, и за каждым из них стоит семья, которая "
            "годами ездит на свидания, собирает передачи и платит адвокатам. Мы поговорили с "
            "женами, матерями и детьми осужденных по политическим статьям о том, как изменилась их "
            "жизнь.",
        ],
    ),

    # ---------------------------------------------------------------- OVD-Info-like (ru, cp1251)
    Article(
        key="O1", outlet="ovd", lang="ru", date="2025-11-21", time="16:05",
        slug="v-ekaterinburge-zaderzhali-uchastnikov-piketa",
        title="В Екатеринбурге задержали участников пикета в поддержку политзаключенных",
        authors=["Мария Климова"], relevant=True, related=["O2", "O6"],
        tags=["задержания", "Екатеринбург", "пикеты"],
        body=[
            "В Екатеринбурге у здания областного суда задержали шесть человек, которые по очереди "
            "стояли в одиночных пикетах в поддержку политзаключенных. Об этом нам сообщили знакомые "
            "задержанных.",
            "Пикетчики держали плакаты с именами жителей Свердловской области, осужденных за "
            "антивоенные высказывания. Полицейские подошли к первому участнику через несколько "
            "минут после начала акции и заявили, что несколько одиночных пикетов подряд образуют "
            "«публичное мероприятие», которое требовало согласования.",
            "Всех задержанных доставили в отдел полиции № 1. Одного из них, 19-летнего студента, "
            "полицейские, по его словам, пытались заставить разблокировать телефон и угрожали "
            "«проблемами в университете».",
            "Адвоката к задержанным пустили только через два часа после доставления в отдел. Все "
            "это время, по словам задержанных, им не давали позвонить родственникам.",
            "Среди задержанных оказалась 67-летняя пенсионерка, которая пришла к суду с портретом "
            "своего осужденного племянника.",
            "На задержанных составили протоколы о нарушении порядка проведения публичного "
            "мероприятия. Поздно вечером их отпустили, суды назначены на понедельник.",
            "Одиночный пикет по закону не требует согласования с властями, однако полиция все чаще "
            "объявляет несколько стоящих рядом пикетчиков участниками единой акции.",
            "В Свердловской области с начала года, по нашим данным, задержали за антивоенные "
            "высказывания больше 60 человек.",
        ],
    ),
    Article(
        key="O2", outlet="ovd", lang="ru", date="2025-11-19", time="12:30",
        slug="zhitelnitsu-krasnodara-oshtrafovali-za-kommentariy",
        title="Жительницу Краснодара оштрафовали за комментарий о войне во «ВКонтакте»",
        authors=["Юлия Белова"], relevant=True, related=["O1", "O4"],
        tags=["дискредитация армии", "Краснодар", "штрафы"],
        body=[
            "Октябрьский районный суд Краснодара оштрафовал 58-летнюю Светлану Коваль на 40 тысяч "
            "рублей по статье о «дискредитации» армии. Поводом стал комментарий, который она "
            "оставила под постом в местном паблике во «ВКонтакте».",
            "В комментарии, опубликованном в августе, Коваль написала, что «война не нужна простым "
            "людям» и что ее сосед вернулся с фронта инвалидом. Протокол на нее составили после "
            "того, как один из подписчиков паблика отправил скриншот в полицию.",
            "На заседании Коваль признала, что написала комментарий, но заявила, что не имела в виду "
            "ничего оскорбительного. Судья счел ее вину доказанной, сославшись на заключение "
            "лингвиста, который нашел в тексте «негативную оценку» действий армии.",
            "Адвокат Коваль обратил внимание суда на то, что в комментарии не было ни призывов, ни "
            "оскорблений. Защита намерена обжаловать постановление.",
            "Повторное нарушение в течение года может повлечь уголовное дело по статье 280.3 "
            "Уголовного кодекса, по которой грозит до пяти лет лишения свободы.",
            "По нашим данным, с начала войны в России составлено больше 10 тысяч протоколов о "
            "«дискредитации» армии. Многие из них основаны на доносах знакомых, соседей и коллег.",
        ],
    ),
    Article(
        key="O3", outlet="ovd", lang="ru", date="2025-11-17", time="18:10",
        slug="v-izhevske-vozbudili-delo-o-gosizmene-protiv-studenta",
        title="В Ижевске возбудили дело о госизмене против студента",
        authors=["Александр Рудаков"], relevant=True, related=["O4", "O6"],
        tags=["госизмена", "Ижевск", "ФСБ"],
        body=[
            "В Ижевске задержан 20-летний студент технического университета Никита Шилов, против "
            "которого возбуждено дело о государственной измене. Об этом сообщила его мать.",
            "По ее словам, сотрудники ФСБ пришли в общежитие рано утром, провели обыск и изъяли "
            "компьютер и телефон. Следователи считают, что Шилов переписывался в телеграме с "
            "представителем украинских силовых структур и «передавал ему сведения» о военных "
            "объектах в Удмуртии.",
            "Шилов учился на третьем курсе и, по словам однокурсников, никогда не участвовал в "
            "протестных акциях.",
            "Адвоката по соглашению к студенту допустили только на заседание суда об избрании меры "
            "пресечения, до этого его интересы представлял защитник по назначению.",
            "Мать студента уверена, что сын стал жертвой провокации. «Он писал в каком-то чате, что "
            "против войны, и к нему стал обращаться незнакомый человек. Никаких секретов у него не "
            "было и быть не могло», — говорит она.",
            "Ленинский районный суд Ижевска арестовал Шилова на два месяца. Государственная измена "
            "наказывается лишением свободы на срок от 12 лет до пожизненного.",
            "Число дел о госизмене в России с 2022 года выросло в несколько раз. По подсчетам "
            "правозащитников, в этом году по этой статье осуждены уже больше 150 человек, многие из "
            "них моложе 25 лет.",
        ],
    ),
    Article(
        key="O4", outlet="ovd", lang="ru", date="2025-11-14", time="15:45",
        slug="u-aktivistki-v-kazani-proshel-obysk",
        title="У активистки в Казани прошел обыск по делу о «нежелательной организации»",
        authors=["Мария Климова", "Александр Рудаков"], relevant=True, related=["O3", "O5"],
        tags=["обыски", "нежелательные организации", "Казань"],
        body=[
            "Сотрудники центра по противодействию экстремизму провели обыск в квартире казанской "
            "активистки Дианы Сафиной. Она проходит свидетелем по уголовному делу об участии в "
            "деятельности «нежелательной» организации.",
            "Обыск начался в шесть утра и продолжался около четырех часов. По словам Сафиной, "
            "силовики изъяли телефоны, ноутбук, флешки, а также листовки и значки, оставшиеся после "
            "муниципальной избирательной кампании 2021 года.",
            "По словам Сафиной, во время обыска силовики расспрашивали ее о переписке с "
            "эмигрировавшими знакомыми и о том, кто оплачивал печать агитационных материалов. "
            "Понятыми на обыске были двое студентов, которых привели сами сотрудники.",
            "Сафина участвовала в муниципальных выборах как независимый кандидат и после этого "
            "несколько лет занималась защитой городских скверов от застройки.",
            "Уголовное дело, по которому проходил обыск, возбуждено против эмигрировавшего "
            "координатора местного отделения одного из оппозиционных движений. Организацию "
            "признали «нежелательной» весной этого года.",
            "После обыска Сафину допросили в Следственном комитете, а затем отпустили. Она "
            "отказалась давать показания, воспользовавшись статьей 51 Конституции.",
            "Это уже второй обыск у Сафиной за последние полтора года. В прошлый раз силовики "
            "приходили к ней по делу о «фейках» об армии, возбужденному против ее знакомого.",
        ],
    ),
    Article(
        key="O5", outlet="ovd", lang="ru", date="2025-11-12", time="11:00", no_charset=True,
        slug="zhurnalistu-iz-tomska-zapretili-vyezd",
        title="Журналисту из Томска запретили выезд из России",
        authors=["Юлия Белова"], relevant=True, related=["O4", "O1"],
        tags=["запрет на выезд", "журналисты", "Томск"],
        body=[
            "Томскому журналисту Евгению Карпову не позволили вылететь в Стамбул из аэропорта "
            "Толмачево в Новосибирске. На паспортном контроле ему сообщили о временном ограничении "
            "на выезд из страны.",
            "Карпов, который сотрудничает с несколькими эмигрантскими изданиями, рассказал нам, что "
            "не получал никаких уведомлений об ограничениях. Пограничники отказались объяснить, "
            "какое ведомство приняло решение, и посоветовали обратиться в ФСБ.",
            "Прежде чем отпустить журналиста, пограничники несколько часов проверяли его документы "
            "и багаж.",
            "Карпов много лет пишет о состоянии томских больниц и о нарушениях при закупках "
            "медицинского оборудования.",
            "Позднее выяснилось, что запрет наложили по представлению военкомата: в сентябре "
            "журналисту якобы направили повестку, которую он не получал. С прошлого года закон "
            "запрещает выезд за границу тем, кому вручена повестка, в том числе электронная.",
            "«Я собирался в отпуск, у меня были обратные билеты. Теперь я не понимаю, смогу ли вообще "
            "когда-нибудь выехать», — сказал Карпов. Он намерен обжаловать решение в суде.",
            "Запреты на выезд в последние годы все чаще применяются к журналистам и активистам. "
            "Правозащитники фиксируют случаи, когда людей разворачивали на границе из-за "
            "неоплаченных штрафов за «дискредитацию» армии или статуса свидетеля по уголовному делу.",
        ],
    ),
    Article(
        key="O6", outlet="ovd", lang="ru", date="2025-11-10", time="17:20",
        slug="sud-v-permi-zapretil-dvizhenie-perm-bez-voyny",
        title="Суд в Перми запретил как «экстремистское» движение «Пермь без войны»",
        authors=["Александр Рудаков"], relevant=True, related=["O1", "O3"],
        tags=["экстремизм", "Пермь", "антивоенное движение"],
        body=[
            "Пермский краевой суд удовлетворил иск прокуратуры и признал экстремистским "
            "антивоенное движение «Пермь без войны». Деятельность движения на территории России "
            "запрещена.",
            "Движение появилось весной 2022 года как телеграм-канал, где публиковали новости о "
            "войне и о преследованиях жителей края. Позже его участники организовывали сбор писем "
            "политзаключенным и помогали семьям задержанных.",
            "Прокуратура утверждала, что материалы канала «формируют негативное отношение к "
            "государственной власти» и содержат призывы к массовым беспорядкам. Представители "
            "движения на заседание не пришли: большинство из них давно уехали из России.",
            "Рассмотрение иска заняло одно заседание и продлилось меньше часа. Суд отказался "
            "приобщить к делу заключение лингвистов, которое представил адвокат одного из бывших "
            "участников движения.",
            "По данным администраторов, на канал было подписано около девяти тысяч человек, "
            "большинство из них живут в Пермском крае.",
            "После признания движения экстремистским за участие в нем грозит до шести лет лишения "
            "свободы, за финансирование — до восьми. Даже публикация его символики может стать "
            "поводом для административного протокола, а повторное нарушение — для уголовного дела.",
            "Подписчики канала, по словам администраторов, массово удаляют переписку и "
            "отписываются от рассылки. Администраторы заявили, что продолжат работу из-за границы.",
        ],
    ),
]


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…][»\"”’)]*(?=\s+[«\"“„‘A-ZА-ЯЁ0-9])")
EN_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
             "Nov.", "Dec."]
RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря"]


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences (the texts are written so that this is unambiguous)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[start:m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def t(text: str) -> str:
    """Escape text content."""
    return html.escape(text, quote=False)


def a_(text: str) -> str:
    """Escape an attribute value."""
    return html.escape(text, quote=True)


def en_date(dt: datetime) -> str:
    return f"{EN_MONTHS[dt.month - 1]} {dt.day}, {dt.year}"


def ru_date(dt: datetime, with_time: bool = True) -> str:
    day = f"{dt.day} {RU_MONTHS[dt.month - 1]} {dt.year}"
    return f"{day}, {dt:%H:%M}" if with_time else day


def rfc822(dt: datetime) -> str:
    return format_datetime(dt)


def joined_names(names: list[str], conj: str) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {conj} " + names[-1]


def translit_slug(name: str) -> str:
    table = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                      "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "",
                      "e", "yu", "ya"], strict=True))
    out = "".join(table.get(c, c) for c in name.lower())
    return re.sub(r"[^a-z0-9]+", "-", out).strip("-")


def png(width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    """A small vertical-gradient PNG used as a placeholder photo."""
    rows = []
    for y in range(height):
        f = y / max(height - 1, 1)
        pixel = bytes(round(top[i] + (bottom[i] - top[i]) * f) for i in range(3))
        rows.append(b"\x00" + pixel * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def by_key(key: str) -> Article:
    return next(a for a in ARTICLES if a.key == key)


def outlet_articles(outlet: str, lang: str | None = None,
                    kinds: tuple[str, ...] = ("article",)) -> list[Article]:
    items = [a for a in ARTICLES if a.outlet == outlet and a.kind in kinds
             and (lang is None or a.lang == lang)]
    return sorted(items, key=lambda a: a.published_dt, reverse=True)


# --------------------------------------------------------------------------------------------
# Output registry: URL path -> bytes + Content-Type
# --------------------------------------------------------------------------------------------

PAGES: dict[str, bytes] = {}
CTYPES: dict[str, str] = {}
HTML_UTF8 = "text/html; charset=utf-8"
HTML_CP1251 = "text/html; charset=windows-1251"
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml"


def emit(url_path: str, content: str | bytes, ctype: str | None = None,
         encoding: str = "utf-8") -> None:
    if url_path in PAGES:
        raise ValueError(f"duplicate output {url_path}")
    data = content if isinstance(content, bytes) else content.encode(encoding)
    PAGES[url_path] = data
    if ctype:
        CTYPES[url_path] = ctype


def file_for(url_path: str, all_paths: dict[str, bytes]) -> str:
    """Map a URL path to a file path; paths that are also directories get an index.html."""
    if url_path == "" or url_path.endswith("/"):
        return url_path + "index.html"
    if any(p.startswith(url_path + "/") for p in all_paths):
        return url_path + "/index.html"
    return url_path


# --------------------------------------------------------------------------------------------
# The Moscow Times
# --------------------------------------------------------------------------------------------

TMT_CSS_JS = """<link type="text/css" href="/tmt/static/css/main.css" rel="stylesheet" media="screen" />
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-DEMO000TMT', {'anonymize_ip': true});
</script>
<script async src="/tmt/static/js/analytics.js"></script>"""

TMT_NAV = [("news", "News"), ("opinion", "Opinion"), ("business", "Business"),
           ("diaspora", "Diaspora"), ("ukraine-war", "Ukraine War"), ("climate", "Climate"),
           ("arts-and-life", "Arts and Life"), ("in-depth", "In-depth"), ("meanwhile", "Meanwhile")]


def tmt_header() -> str:
    links = "\n".join(f'        <li class="nav__item"><a href="{B}/tmt/{slug}" class="nav__link">{label}</a></li>'
                      for slug, label in TMT_NAV)
    return f"""<div class="cookie-consent" id="cookie-consent" style="display:none">
  <p class="cookie-consent__text">We use cookies to make our website work and to understand how it is used. You can change your preferences at any time in your browser settings.</p>
  <button class="cookie-consent__button" type="button">Accept all</button>
  <button class="cookie-consent__button cookie-consent__button--secondary" type="button">Only necessary</button>
</div>
<header class="header" y-use="Header">
  <div class="header__top container">
    <a href="{B}/tmt/" class="header__logo" title="The Moscow Times - Independent News From Russia">
      <img src="{B}/tmt/static/img/logo.png" alt="The Moscow Times" width="64" height="36" />
    </a>
    <div class="header__top__right">
      <a class="header__button header__button--contribute" href="{B}/tmt/contribute">Contribute</a>
      <a class="header__button" href="{B}/tmt/newsletters">Newsletters</a>
      <form class="header__search" action="{B}/tmt/search/" method="get">
        <input type="text" name="query" placeholder="Search" aria-label="Search" />
      </form>
      <a class="header__lang" href="{B}/tmt/ru">Русская версия</a>
    </div>
  </div>
  <nav class="nav container" role="navigation">
      <ul class="nav__list">
{links}
      </ul>
  </nav>
  <div class="contribute-banner">Independent journalism about Russia is under attack. <a href="{B}/tmt/contribute">Support The Moscow Times</a> with a one-time or monthly contribution.</div>
</header>"""


def tmt_footer() -> str:
    return f"""<footer class="footer">
  <div class="container">
    <div class="footer__menu">
      <a href="{B}/tmt/about">About us</a>
      <a href="{B}/tmt/contact">Contact</a>
      <a href="{B}/tmt/rss/news">RSS</a>
      <a href="{B}/tmt/privacy">Privacy Policy</a>
      <a href="{B}/tmt/terms">Terms of Use</a>
      <a href="{B}/tmt/newsletters">Newsletters</a>
      <a href="{B}/tmt/contribute">Contribute</a>
    </div>
    <div class="footer__social">
      <a href="https://t.me/demo_tmt" rel="noopener">Telegram</a>
      <a href="https://www.youtube.com/@demo_tmt" rel="noopener">YouTube</a>
      <a href="https://www.instagram.com/demo_tmt" rel="noopener">Instagram</a>
    </div>
    <p class="footer__copyright">&copy; 2025 The Moscow Times (demo), all rights reserved. {DEMO_NOTE_EN}</p>
  </div>
</footer>
<script>
  (function () {{
    if (!document.cookie.match(/tmt_consent=/)) {{
      document.getElementById('cookie-consent').style.display = 'block';
    }}
  }})();
</script>"""


def tmt_sidebar(exclude: str = "") -> str:
    others = [a for a in outlet_articles("tmt") if a.key != exclude]
    just_in = "\n".join(f'              <li><a href="{a.url}" class="listed-articles__item">{t(a.title)}</a></li>'
                        for a in others[:5])
    most_read_keys = [k for k in ("T2", "T3", "T6", "T4", "T7") if k != exclude][:4]
    most_read = "\n".join(
        f'              <li><a href="{by_key(k).url}" class="listed-articles__item">{t(by_key(k).title)}</a></li>'
        for k in most_read_keys)
    return f"""<aside class="sidebar">
        <div class="sidebar__sticky">
          <div class="tabs" y-use="Tabs" data-active="tabs__tab--active">
            <section class="sidebar__section">
              <div class="sidebar__section__header">
                <div class="tabs__tab tabs__tab--active" y-name="tab" data-content="mostread"><h3 class="tab__header header--style-3">Most read</h3></div>
                <div class="tabs__tab" y-name="tab" data-content="justin"><h3 class="tab__header header--style-3">Just in</h3></div>
              </div>
              <div class="tabs__content" y-name="content mostread">
                <ul class="listed-articles">
{most_read}
                </ul>
              </div>
              <div class="tabs__content" y-name="content justin" style="display:none">
                <ul class="listed-articles">
{just_in}
                </ul>
              </div>
            </section>
          </div>
          <section class="sidebar__section sidebar__section--newsletter">
            <h3 class="header--style-3">The Moscow Times Daily</h3>
            <p>Get the day's top stories from Russia in your inbox every morning.</p>
            <form action="{B}/tmt/newsletters/subscribe" method="post"><input type="email" name="email" placeholder="Your email" /><button type="submit">Subscribe</button></form>
          </section>
        </div>
      </aside>"""


def tmt_byline(a: Article) -> str:
    if a.authors == ["AFP"] or a.authors == ["Reuters"]:
        names = [f'<span class="byline__author__name">{t(n)}</span>' for n in a.authors]
    else:
        names = [f'<a href="{B}/tmt/authors/{translit_slug(n)}" class="byline__author__name">{t(n)}</a>'
                 for n in a.authors]
    who = "By " + joined_names(names, "and")
    updated = ""
    if a.modified_after > 10:
        updated = (f'\n                  <span class="byline__updated">Updated: <time datetime="{a.modified}">'
                   f'{en_date(a.modified_dt)} - {a.modified_dt:%H:%M}</time></span>')
    return f"""<div class="article__byline byline">
            <div class="row-flex">
              <div class="col">
                <div class="byline__details">
                  <div class="byline__details__column">
                    <div class="byline__author">{who}</div>
                    <time class="byline__datetime timeago" datetime="{a.published}" y-use="Timeago">{en_date(a.published_dt)}</time>{updated}
                  </div>
                </div>
              </div>
              <div class="col-auto">
                <div class="byline__social">
                  <a class="social__link social__link--facebook" href="https://www.facebook.com/sharer/sharer.php?u={a.url}" rel="noopener">Share</a>
                  <a class="social__link social__link--x" href="https://x.com/intent/post?url={a.url}" rel="noopener">Post</a>
                  <a class="social__link social__link--telegram" href="https://t.me/share/url?url={a.url}" rel="noopener">Telegram</a>
                </div>
              </div>
            </div>
          </div>"""


def tmt_blocks(a: Article) -> str:
    def html_block(paras: list[str]) -> str:
        ps = "\n".join(f"              <p>{t(p)}</p>" for p in paras)
        return f"""            <div data-id="article-block-type" class="article__block article__block--html article__block--column">
{ps}
            </div>"""

    if a.kind == "gallery":
        parts = [html_block(a.body)]
        for i, cap in enumerate(a.captions, 1):
            parts.append(f"""            <div data-id="article-block-type" class="article__block article__block--image article__block--full">
              <figure class="article__image">
                <img src="{B}/tmt/static/img/photo-{i}.png" alt="{a_(cap)}" loading="lazy" />
                <figcaption><span class="article__image__caption">{t(cap)}</span> <span class="article__image__credits">{t(a.authors[0])} / MT</span></figcaption>
              </figure>
            </div>""")
        return "\n".join(parts)
    split = 2 if len(a.body) > 3 else 1
    rel = by_key(a.related[0]) if a.related else None
    parts = [html_block(a.body[:split])]
    if rel:
        parts.append(f"""            <div data-id="article-block-type" class="article__block article__block--link article__block--column">
              <div class="article__block--link__label">Related article</div>
              <a href="{rel.url}" class="article-excerpt-tiny"><h5 class="article-excerpt-tiny__headline">{t(rel.title)}</h5></a>
            </div>""")
    parts.append(html_block(a.body[split:]))
    return "\n".join(parts)


def tmt_article(a: Article) -> str:
    tags = ",".join(a.tags)
    section_name = dict(TMT_NAV).get(a.section, a.section.title())
    breadcrumb = {"@context": "http://schema.org/", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": "The Moscow Times", "item": f"{B}/tmt/"},
        {"@type": "ListItem", "position": 2, "name": section_name, "item": f"{B}/tmt/{a.section}"},
        {"@type": "ListItem", "position": 3, "name": a.title, "item": a.url}]}
    author_ld = [{"@type": "Person", "name": n} for n in a.authors]
    news = {"@context": "http://schema.org/", "@type": "NewsArticle",
            "dateCreated": (a.published_dt - timedelta(minutes=9)).isoformat(),
            "datePublished": a.published, "dateModified": a.modified,
            "name": a.title, "headline": a.title, "description": a.summary, "keywords": tags,
            "articleSection": a.section, "isAccessibleForFree": True,
            "mainEntityOfPage": a.url, "url": a.url,
            "image": f"{B}/tmt/static/img/photo-{a.aid % 6 + 1}.png",
            "publisher": {"@type": "Organization", "name": "The Moscow Times",
                          "logo": {"@type": "ImageObject", "url": f"{B}/tmt/static/img/logo.png"}},
            "inLanguage": {"@type": "Language", "name": "English", "alternateName": "English"},
            "creator": a.authors[0] if len(a.authors) == 1 else a.authors,
            "author": author_ld[0] if len(author_ld) == 1 else author_ld}
    tag_links = ", ".join(f'<a href="{B}/tmt/tag/{a_(tag.replace(" ", "-"))}" class="tag article__tags__tag">{t(tag)}</a>'
                          for tag in a.tags)
    image = f"{B}/tmt/static/img/photo-{a.aid % 6 + 1}.png"
    featured = "" if a.kind == "gallery" else f"""
          <figure class="article__featured-image featured-image">
            <img src="{image}" alt="" />
            <figcaption>
              <span class="article__featured-image__caption featured-image__caption"></span>
              <span class="article__featured-image__credits featured-image__credits">Illustration / The Moscow Times</span>
            </figcaption>
          </figure>"""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta name="googlebot" content="noarchive">
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta property="og:site_name" content="The Moscow Times" />
<meta name="twitter:site" content="@MoscowTimesDemo">
<meta name="twitter:card" content="summary_large_image">
<title>{t(a.title)} - The Moscow Times</title>
<link rel="canonical" href="{a.url}" />
<meta name="keywords" content="{a_(tags)}">
<meta name="news_keywords" content="{a_(tags)}">
<meta name="description" content="{a_(a.summary)}">
<meta name="author" content="{a_(', '.join(a.authors))}">
<meta property="og:url" content="{a.url}">
<meta property="og:title" content="{a_(a.title)}">
<meta property="og:description" content="{a_(a.summary)}">
<meta property="og:type" content="article">
<meta property="og:image" content="{image}">
<meta property="article:author" content="{a_(', '.join(a.authors))}">
<meta property="article:content_tier" content="free">
<meta property="article:modified_time" content="{a.modified}">
<meta property="article:published_time" content="{a.published}">
<meta property="article:publisher" content="https://www.facebook.com/MoscowTimesDemo">
<meta property="article:section" content="{a.section}">
<meta property="article:tag" content="{a_(tags)}">
<link rel="alternate" type="application/rss+xml" title="The Moscow Times - News" href="{B}/tmt/rss/news">
<script type="application/ld+json">
{json.dumps(breadcrumb)}
</script>
<script type="application/ld+json">
{json.dumps(news)}
</script>
{TMT_CSS_JS}
</head>
<body class="article-item" y-use="Main">
{tmt_header()}
<main>
  <div class="gtm-section gtm-type" data-section="{a.section}" data-type="{'gallery' if a.kind == 'gallery' else 'default'}"></div>
  <div class="container article-container" id="article-id-{a.aid}" data-page-id="{a.aid}" data-article-url="{a.url}" data-article-title="{a_(a.title)}">
    <div class="row-flex gutter-2">
      <div class="col">
        <article class="article article--{'gallery' if a.kind == 'gallery' else a.section}">
          <header class="article__header">
            <h1><a href="{a.url}">{t(a.title)}</a></h1>
            <h2>{t(a.subtitle)}</h2>
          </header>
          {tmt_byline(a)}{featured}
          <div class="article__content-container">
            <div class="article__content" y-name="article-content">
{tmt_blocks(a)}
            </div>
          </div>
          <div class="article__bottom"></div>
          <div class="article__tags">
            Read more about: {tag_links}
          </div>
          <div class="contribute-teaser">
            <p class="contribute-teaser__title">A Message from The Moscow Times:</p>
            <p>Dear readers, every day our newsroom works to bring you accurate reporting on Russia at a time when independent media inside the country have been silenced. Our journalists face the threat of criminal prosecution simply for doing their jobs.</p>
            <p>We rely on readers like you. A monthly contribution of any size helps us keep our reporting free for everyone.</p>
            <a class="button" href="{B}/tmt/contribute">Continue</a>
            <a class="button button--secondary" href="{B}/tmt/contribute?period=monthly">Support monthly</a>
          </div>
        </article>
      </div>
      <div class="col-auto hidden-sm-down">
      {tmt_sidebar(a.key)}
      </div>
    </div>
  </div>
</main>
{tmt_footer()}
</body>
</html>
"""


def tmt_listing(items: list[Article], page: int, pages: int) -> str:
    url = f"{B}/tmt/news" if page == 1 else f"{B}/tmt/news/page/{page}"
    prev_url = f"{B}/tmt/news" if page == 2 else f"{B}/tmt/news/page/{page - 1}"
    head_links = [f'<link rel="canonical" href="{url}" />']
    pager = []
    if page > 1:
        head_links.append(f'<link rel="prev" href="{prev_url}" />')
        pager.append(f'<a rel="prev" class="pagination__link pagination__link--prev" href="{prev_url}">&larr; Newer stories</a>')
    if page < pages:
        head_links.append(f'<link rel="next" href="{B}/tmt/news/page/{page + 1}" />')
        pager.append(f'<a rel="next" class="pagination__link pagination__link--next" href="{B}/tmt/news/page/{page + 1}">Older stories &rarr;</a>')
    teasers = []
    for a in items:
        label = '<span class="article-excerpt-default__label">Photos</span>' if a.kind == "gallery" else ""
        teasers.append(f"""        <div class="article-excerpt-default">
          <a href="{a.url}" class="article-excerpt-default__link" title="{a_(a.title)}">
            <div class="article-excerpt-default__image-wrapper"><img src="{B}/tmt/static/img/photo-{a.aid % 6 + 1}.png" alt="" loading="lazy" /></div>
            <div class="article-excerpt-default__content">
              {label}<h3 class="article-excerpt-default__headline">{t(a.title)}</h3>
              <div class="article-excerpt-default__teaser">{t(a.subtitle or a.summary)}</div>
              <div class="article-excerpt-default__meta"><time datetime="{a.published}">{en_date(a.published_dt)}</time></div>
            </div>
          </a>
        </div>""")
    heading = "News" if page == 1 else f"News - page {page}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{heading} - The Moscow Times</title>
<meta name="description" content="The latest news from Russia: politics, society, the war in Ukraine and the crackdown on dissent.">
<meta property="og:site_name" content="The Moscow Times" />
<meta property="og:type" content="website">
<meta property="og:url" content="{url}">
{chr(10).join(head_links)}
<link rel="alternate" type="application/rss+xml" title="The Moscow Times - News" href="{B}/tmt/rss/news">
{TMT_CSS_JS}
</head>
<body class="section-item" y-use="Main">
{tmt_header()}
<main>
  <div class="container">
    <div class="row-flex gutter-2">
      <div class="col">
        <h1 class="section__header header--style-1">{heading}</h1>
        <div class="section__articles">
{chr(10).join(teasers)}
        </div>
        <nav class="pagination">
          {' '.join(pager)}
          <span class="pagination__info">Page {page} of {pages}</span>
        </nav>
      </div>
      <div class="col-auto hidden-sm-down">
      {tmt_sidebar()}
      </div>
    </div>
  </div>
</main>
{tmt_footer()}
</body>
</html>
"""


def tmt_rss(items: list[Article], tracked_key: str) -> str:
    entries = []
    for a in items:
        link = a.url + ("?utm_source=rss&utm_medium=feed" if a.key == tracked_key else "")
        entries.append(f"""    <item>
      <title>{xml_escape(a.title)}</title>
      <link>{xml_escape(link)}</link>
      <description>{xml_escape(a.summary)}</description>
      <pubDate>{rfc822(a.published_dt)}</pubDate>
      <guid>{a.url}</guid>
      <category>{xml_escape(dict(TMT_NAV).get(a.section, a.section))}</category>
      <enclosure url="{B}/tmt/static/img/photo-{a.aid % 6 + 1}.png" length="0" type="image/png"/>
    </item>""")
    build = max(a.published_dt for a in items) + timedelta(minutes=20)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>The Moscow Times - Independent News From Russia</title>
    <link>{B}/tmt/</link>
    <description>Independent reporting on Russia: politics, business, society and the war in Ukraine.</description>
    <language>en</language>
    <lastBuildDate>{rfc822(build)}</lastBuildDate>
    <atom:link href="{B}/tmt/rss/news" rel="self" type="application/rss+xml"/>
    <image>
      <url>{B}/tmt/static/img/logo.png</url>
      <title>The Moscow Times</title>
      <link>{B}/tmt/</link>
    </image>
{chr(10).join(entries)}
  </channel>
</rss>
"""


def tmt_home() -> str:
    items = outlet_articles("tmt")
    lis = "\n".join(f'        <li><a href="{a.url}">{t(a.title)}</a> <time datetime="{a.published}">{en_date(a.published_dt)}</time></li>'
                    for a in items[:6])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>The Moscow Times - Independent News From Russia</title>
<meta name="description" content="Independent reporting on Russia: politics, business, society and the war in Ukraine.">
<link rel="canonical" href="{B}/tmt/" />
<link rel="alternate" type="application/rss+xml" title="The Moscow Times - News" href="{B}/tmt/rss/news">
{TMT_CSS_JS}
</head>
<body class="home" y-use="Main">
{tmt_header()}
<main>
  <div class="container">
    <section class="home__top-stories">
      <h2 class="header--style-2">Top stories</h2>
      <ul>
{lis}
      </ul>
      <p><a href="{B}/tmt/news">All news &rarr;</a></p>
    </section>
  </div>
</main>
{tmt_footer()}
</body>
</html>
"""


# --------------------------------------------------------------------------------------------
# Meduza
# --------------------------------------------------------------------------------------------

MEDUZA_TEXT: dict[str, dict[str, Any]] = {
    "ru": {
        "menu": [("", "Новости"), ("articles", "Истории"), ("razbor", "Разбор"), ("games", "Игры"),
                 ("shapito", "Шапито"), ("podcasts", "Подкасты")],
        "other_lang": ("en/", "English"), "search": "Поиск", "login": "Войти", "tag": "новости",
        "share": [("telegram", "Телеграм"), ("vkontakte", "ВКонтакте"), ("x", "X"), ("whatsapp", "WhatsApp")], "copy": "Скопировать ссылку",
        "support_title": "Поддержите «Медузу»",
        "support_text": ["«Медуза» работает в эмиграции. В России нас признали «нежелательной "
                         "организацией», поэтому мы не можем зарабатывать на рекламе и живем на "
                         "пожертвования читателей.",
                         "Даже небольшой ежемесячный взнос помогает нам оставаться независимыми."],
        "support_button": "Поддержать",
        "related": "Читайте также", "feed": "Главное сейчас",
        "cookie": "Мы используем cookies, чтобы сайт работал быстрее и удобнее. Продолжая "
                  "пользоваться сайтом, вы соглашаетесь с этим.",
        "cookie_ok": "Хорошо",
        "footer": ["О проекте", "Реклама", "Правила", "Конфиденциальность", "Вакансии"],
        "footer_note": "Сетевое издание «Медуза». Все права защищены. 18+",
        "locale": "ru_RU", "rss_title": "Meduza — Все", "rss": "meduza/rss/all",
        "home": "meduza/", "amp_back": "Открыть полную версию",
    },
    "en": {
        "menu": [("en/", "News"), ("en/features", "Features"), ("en/the-real-russia", "The Real Russia. Today."),
                 ("en/podcasts", "Podcasts"), ("en/support", "Support us")],
        "other_lang": ("", "На русском"), "search": "Search", "login": "Sign in", "tag": "news",
        "share": [("telegram", "Telegram"), ("facebook", "Facebook"), ("x", "X"), ("whatsapp", "WhatsApp")], "copy": "Copy link",
        "support_title": "Support Meduza",
        "support_text": ["Meduza is an independent newsroom working in exile. Russia has outlawed "
                         "us as an “undesirable organization,” so we cannot sell advertising and "
                         "depend on our readers.",
                         "Even a small monthly contribution keeps our journalism free and "
                         "independent."],
        "support_button": "Support us",
        "related": "Read more", "feed": "Latest",
        "cookie": "We use cookies to make this site faster and easier to use. By continuing to "
                  "browse, you agree to this.",
        "cookie_ok": "Got it",
        "footer": ["About", "Advertising", "Rules", "Privacy", "Jobs"],
        "footer_note": "Meduza. All rights reserved.",
        "locale": "en_US", "rss_title": "Meduza in English", "rss": "meduza/rss/en/all",
        "home": "meduza/en/", "amp_back": "Open the full version",
    },
}

MEDUZA_SCRIPT_HEAD = """<script>
  window.dataLayer = window.dataLayer || [];
  window.__MEDUZA_CONFIG__ = {"apiHost": "/meduza/api/w5", "lang": "%s", "ads": {"adfox": true}, "features": {"chat": false, "podcastsPlayer": true}};
</script>"""


def meduza_header(lang: str) -> str:
    tx = MEDUZA_TEXT[lang]
    items = "\n".join(f'            <li class="Menu-item"><a class="Menu-link" href="{B}/meduza/{slug}">{label}</a></li>'
                      for slug, label in tx["menu"])
    other_slug, other_label = tx["other_lang"]
    return f"""  <div class="Layout-banner"><div class="Banner-root Banner-isTop" id="adfox_17010"></div></div>
  <header class="Header-root" role="banner">
    <div class="Header-container">
      <div class="Header-left">
        <button class="HeaderButton-root HeaderButton-menu" type="button" aria-label="Menu"><span class="Icon-menu"></span></button>
        <a class="Logo-root" href="{B}/{tx['home']}" aria-label="Meduza"><svg width="120" height="20" viewBox="0 0 120 20"><title>Meduza</title><rect width="120" height="20" fill="#b88b59"/></svg></a>
      </div>
      <nav class="Menu-root" role="navigation">
        <ul class="Menu-list">
{items}
        </ul>
      </nav>
      <div class="Header-right">
        <a class="HeaderButton-root HeaderButton-lang" href="{B}/meduza/{other_slug}">{other_label}</a>
        <button class="HeaderButton-root HeaderButton-search" type="button" aria-label="{tx['search']}"><span class="Icon-search"></span></button>
        <a class="HeaderButton-root HeaderButton-auth" href="#login">{tx['login']}</a>
      </div>
    </div>
  </header>
  <div class="InfoPanel-root">
    <div class="ExchangeRates-root"><span class="ExchangeRates-item">$ 83,92</span><span class="ExchangeRates-item">€ 97,10</span><span class="ExchangeRates-item">Brent 61,80</span></div>
  </div>"""


def meduza_footer(lang: str) -> str:
    tx = MEDUZA_TEXT[lang]
    links = "\n".join(f'        <a class="Footer-link" href="{B}/meduza/pages/{i}">{label}</a>'
                      for i, label in enumerate(tx["footer"], 1))
    note = DEMO_NOTE_RU if lang == "ru" else DEMO_NOTE_EN
    return f"""  <footer class="Footer-root">
    <div class="Footer-container">
      <div class="Footer-menu">
{links}
      </div>
      <div class="Footer-social">
        <a class="Footer-socialLink" href="https://t.me/meduza_demo" rel="noopener">Telegram</a>
        <a class="Footer-socialLink" href="https://www.youtube.com/@meduza_demo" rel="noopener">YouTube</a>
        <a class="Footer-socialLink" href="https://www.instagram.com/meduza_demo" rel="noopener">Instagram</a>
      </div>
      <p class="Footer-copyright">&copy; 2014&ndash;2025 {t(tx['footer_note'])} {t(note)}</p>
    </div>
  </footer>
  <div class="CookieBanner-root" role="dialog" hidden>
    <p class="CookieBanner-text">{t(tx['cookie'])}</p>
    <button class="Button-root Button-isCookie" type="button">{t(tx['cookie_ok'])}</button>
  </div>"""


def meduza_ld(a: Article) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle",
          "headline": a.title, "description": a.summary,
          "datePublished": a.published, "dateModified": a.modified,
          "mainEntityOfPage": {"@type": "WebPage", "@id": a.url}, "url": a.url,
          "inLanguage": a.lang, "keywords": ", ".join(a.tags),
          "image": [f"{B}/meduza/static/share.png"],
          "author": [{"@type": "Person", "name": n} for n in a.authors],
          "publisher": {"@type": "Organization", "name": "Meduza",
                        "logo": {"@type": "ImageObject", "url": f"{B}/meduza/static/share.png"}}}
    return json.dumps(ld, ensure_ascii=False)


def meduza_time_label(a: Article) -> str:
    dt = a.published_dt
    if a.lang == "ru":
        return f"{dt:%H:%M}, {dt.day} {RU_MONTHS[dt.month - 1]} {dt.year}"
    return f"{dt:%I:%M %p}, {dt:%B} {dt.day}, {dt.year}"


def meduza_article(a: Article) -> str:
    tx = MEDUZA_TEXT[a.lang]
    body = "\n".join(f'        <p class="SimpleBlock-p">{t(p)}</p>' for p in a.body)
    share = "\n".join(f'          <button class="ActionButton-root ActionButton-share" type="button" data-service="{service}">{label}</button>'
                      for service, label in tx["share"])
    related = "\n".join(f'          <li class="RelatedRichBlock-item"><a class="RelatedRichBlock-link" href="{by_key(k).url}"><span class="RelatedRichBlock-first">{t(by_key(k).title)}</span></a></li>'
                        for k in a.related)
    feed = "\n".join(f'          <li class="Feed-item"><a class="Feed-link" href="{o.url}"><time datetime="{o.published}">{o.published_dt:%H:%M}</time> {t(o.title)}</a></li>'
                     for o in outlet_articles("meduza", a.lang) if o.key != a.key)
    amp_link = f'\n<link rel="amphtml" href="{a.url}/amp">' if a.amp else ""
    support = "\n".join(f'          <p class="SupportMeduza-text">{t(p)}</p>' for p in tx["support_text"])
    authors = ", ".join(f'<span class="MaterialMeta-author">{t(n)}</span>' for n in a.authors)
    state = json.dumps({"route": "/" + a.path, "material": {"layout": "simple", "type": "news",
                                                          "lang": a.lang, "amp": a.amp}})
    return f"""<!DOCTYPE html>
<html lang="{a.lang}" prefix="og: http://ogp.me/ns#">
<head>
<meta charset="utf-8">
<title>{t(a.title)} — Meduza</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="description" content="{a_(a.summary)}">
<meta property="og:site_name" content="Meduza">
<meta property="og:title" content="{a_(a.title)}">
<meta property="og:description" content="{a_(a.summary)}">
<meta property="og:url" content="{a.url}">
<meta property="og:type" content="article">
<meta property="og:locale" content="{tx['locale']}">
<meta property="og:image" content="{B}/meduza/static/share.png">
<meta property="og:image:width" content="1200">
<meta property="og:image:height" content="630">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:site" content="@meduza_demo">
<meta name="twitter:title" content="{a_(a.title)}">
<link rel="canonical" href="{a.url}">{amp_link}
<link rel="alternate" type="application/rss+xml" title="{a_(tx['rss_title'])}" href="{B}/{tx['rss']}">
<link rel="preload" href="/meduza/static/js/main-5c1e9a.js" as="script">
<link rel="stylesheet" href="/meduza/static/css/app.css">
<script type="application/ld+json">{meduza_ld(a)}</script>
{MEDUZA_SCRIPT_HEAD % a.lang}
</head>
<body>
<div id="root">
<div class="Layout-root Layout" data-testid="layout">
{meduza_header(a.lang)}
  <main class="Layout-main">
    <div class="GeneralMaterial-root GeneralMaterial-article" data-material-type="news">
      <div class="GeneralMaterial-materialHeader">
        <div class="Tag-root Tag-isNews"><span class="Tag-text">{tx['tag']}</span></div>
        <h1 class="SimpleTitle-root SimpleTitle-first">{t(a.title)}</h1>
        <div class="MaterialMeta-root MaterialMeta-isInMaterialHeader">
          <div class="MaterialMeta-item"><time class="Timestamp-root" datetime="{a.published}">{meduza_time_label(a)}</time></div>
          <div class="MaterialMeta-item MaterialMeta-authors">{authors}</div>
        </div>
        <div class="ActionPanel-root ActionPanel-isInMaterialHeader">
{share}
          <button class="ActionButton-root ActionButton-copy" type="button">{tx['copy']}</button>
        </div>
      </div>
      <div class="GeneralMaterial-body">
{body}
      </div>
      <div class="GeneralMaterial-footer">
        <div class="ActionPanel-root ActionPanel-isInMaterialFooter">
{share}
        </div>
        <div class="SupportMeduza-root">
          <h3 class="SupportMeduza-title">{t(tx['support_title'])}</h3>
{support}
          <a class="Button-root Button-isSupport" href="{B}/meduza/support">{t(tx['support_button'])}</a>
        </div>
        <div class="RelatedRichBlock-root">
          <h3 class="RelatedRichBlock-title">{tx['related']}</h3>
          <ul class="RelatedRichBlock-list">
{related}
          </ul>
        </div>
      </div>
    </div>
    <aside class="Layout-aside">
      <div class="Feed-root">
        <h3 class="Feed-title">{tx['feed']}</h3>
        <ul class="Feed-list">
{feed}
        </ul>
      </div>
      <div class="Banner-root Banner-isSidebar" id="adfox_17011"></div>
    </aside>
  </main>
{meduza_footer(a.lang)}
</div>
</div>
<script>window.__INITIAL_STATE__ = {state};</script>
<script src="/meduza/static/js/main-5c1e9a.js" async></script>
</body>
</html>
"""


AMP_BOILERPLATE = ("<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
                   "animation:-amp-start 8s steps(1,end) 0s 1 normal both}@keyframes -amp-start{from{visibility:hidden}"
                   "to{visibility:visible}}</style><noscript><style amp-boilerplate>body{-webkit-animation:none;"
                   "animation:none}</style></noscript>")


def meduza_amp(a: Article) -> str:
    tx = MEDUZA_TEXT[a.lang]
    body = "\n".join(f"      <p>{t(p)}</p>" for p in a.body)
    authors = ", ".join(t(n) for n in a.authors)
    return f"""<!doctype html>
<html amp lang="{a.lang}">
<head>
<meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-analytics" src="https://cdn.ampproject.org/v0/amp-analytics-0.1.js"></script>
<title>{t(a.title)} — Meduza</title>
<link rel="canonical" href="{a.url}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<meta property="og:title" content="{a_(a.title)}">
<meta property="og:type" content="article">
<script type="application/ld+json">{meduza_ld(a)}</script>
{AMP_BOILERPLATE}
<style amp-custom>body{{font-family:Georgia,serif;margin:0}}.AmpHeader{{background:#000;color:#fff;padding:12px}}.AmpMaterial{{padding:16px;max-width:640px;margin:0 auto}}.AmpMaterial-meta{{color:#666;font-size:14px}}</style>
</head>
<body>
  <header class="AmpHeader"><a href="{B}/{tx['home']}">Meduza</a></header>
  <article class="AmpMaterial">
    <div class="AmpMaterial-tag">{tx['tag']}</div>
    <h1 class="AmpMaterial-title">{t(a.title)}</h1>
    <div class="AmpMaterial-meta"><time datetime="{a.published}">{meduza_time_label(a)}</time> · <span class="AmpMaterial-author">{authors}</span></div>
    <div class="AmpMaterial-body">
{body}
    </div>
  </article>
  <div class="AmpSupport"><p>{t(tx['support_title'])}</p><a href="{B}/meduza/support">{t(tx['support_button'])}</a></div>
  <div class="AmpFooter"><a href="{a.url}">{t(tx['amp_back'])}</a> · &copy; 2014&ndash;2025 Meduza (demo)</div>
  <amp-analytics type="googleanalytics"><script type="application/json">{{"vars": {{"account": "G-DEMO000MDZ"}}, "triggers": {{"trackPageview": {{"on": "visible", "request": "pageview"}}}}}}</script></amp-analytics>
</body>
</html>
"""


def meduza_rss(lang: str) -> str:
    tx = MEDUZA_TEXT[lang]
    items = []
    for a in outlet_articles("meduza", lang):
        link = f"{a.url}/amp" if a.amp else a.url
        creators = "\n".join(f"      <dc:creator>{xml_escape(n)}</dc:creator>" for n in a.authors)
        items.append(f"""    <item>
      <title><![CDATA[{a.title}]]></title>
      <link>{link}</link>
      <guid>{link}</guid>
{creators}
      <pubDate>{rfc822(a.published_dt)}</pubDate>
      <enclosure url="{B}/meduza/static/share.png" length="0" type="image/png"/>
      <description><![CDATA[<p>{t(a.summary)}</p>]]></description>
    </item>""")
    desc = ("Мы выбираем для вас самые важные новости и готовим лучшие тексты о том, что происходит "
            "в России и мире." if lang == "ru" else
            "Independent news about Russia, in English.")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
  <channel>
    <title>{xml_escape(tx['rss_title'])}</title>
    <link>{B}/{tx['home']}</link>
    <language>{lang}</language>
    <description>{xml_escape(desc)}</description>
    <atom:link href="{B}/{tx['rss']}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
  </channel>
</rss>
"""


def meduza_home(lang: str) -> str:
    tx = MEDUZA_TEXT[lang]
    lis = "\n".join(f'        <li class="Feed-item"><a class="Feed-link" href="{a.url}">{t(a.title)}</a></li>'
                    for a in outlet_articles("meduza", lang))
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>Meduza</title>
<link rel="canonical" href="{B}/{tx['home']}">
<link rel="alternate" type="application/rss+xml" title="{a_(tx['rss_title'])}" href="{B}/{tx['rss']}">
<link rel="stylesheet" href="/meduza/static/css/app.css">
</head>
<body>
<div id="root">
<div class="Layout-root Layout">
{meduza_header(lang)}
  <main class="Layout-main">
    <div class="Feed-root">
      <h2 class="Feed-title">{tx['feed']}</h2>
      <ul class="Feed-list">
{lis}
      </ul>
    </div>
  </main>
{meduza_footer(lang)}
</div>
</div>
</body>
</html>
"""


# --------------------------------------------------------------------------------------------
# Novaya Gazeta Europe (WordPress-like, sitemaps only)
# --------------------------------------------------------------------------------------------

NOVAYA_MENU = [("news", "Новости"), ("stories", "Сюжеты"), ("opinions", "Мнения"),
               ("investigations", "Расследования"), ("culture", "Культура"),
               ("podcasts", "Подкасты"), ("donate", "Поддержать")]


def novaya_post_id(a: Article) -> int:
    return 48000 + sum(ord(c) for c in a.slug) % 900


def novaya_head(title: str, url: str, description: str, og_type: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="ru-RU" class="no-js">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="profile" href="https://gmpg.org/xfn/11">
<title>{t(title)} — Новая газета Европа</title>
<meta name="description" content="{a_(description)}">
<meta name="robots" content="index, follow, max-image-preview:large">
<link rel="canonical" href="{url}">
<meta property="og:locale" content="ru_RU">
<meta property="og:type" content="{og_type}">
<meta property="og:title" content="{a_(title)}">
<meta property="og:description" content="{a_(description)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="Новая газета Европа">
<meta property="og:image" content="{B}/novaya/static/cover.png">
<link rel="stylesheet" id="wp-block-library-css" href="/novaya/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2" type="text/css" media="all">
<link rel="stylesheet" id="novaya-style-css" href="/novaya/wp-content/themes/novaya/style.css?ver=2.3.1" type="text/css" media="all">
<script type="text/javascript" id="novaya-js-extra">
/* <![CDATA[ */
var novayaSettings = {{"ajaxurl":"\\/novaya\\/wp-admin\\/admin-ajax.php","lang":"ru","paywall":"1"}};
/* ]]> */
</script>
<script type="text/javascript" src="/novaya/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>"""


def novaya_header() -> str:
    items = "\n".join(f'          <li class="menu-item menu-item-type-taxonomy"><a href="{B}/novaya/{slug}">{label}</a></li>'
                      for slug, label in NOVAYA_MENU)
    return f"""<div id="page" class="site">
  <a class="skip-link screen-reader-text" href="#content">Перейти к содержимому</a>
  <header id="masthead" class="site-header">
    <div class="site-branding">
      <p class="site-title"><a href="{B}/novaya/" rel="home">Новая газета Европа</a></p>
      <p class="site-description">Независимая журналистика о России и мире</p>
    </div>
    <nav id="site-navigation" class="main-navigation">
      <button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Меню</button>
      <div class="menu-main-container">
        <ul id="primary-menu" class="menu">
{items}
        </ul>
      </div>
    </nav>
    <div class="header-actions"><a class="header-subscribe" href="{B}/novaya/subscribe">Подписка</a> <a class="header-lang" href="{B}/novaya/en/">English</a></div>
  </header>"""


def novaya_sidebar_and_footer(exclude: str = "") -> str:
    others = [a for a in outlet_articles("novaya", kinds=("article", "paywall")) if a.key != exclude]
    recent = "\n".join(f'          <li><a href="{a.url}">{t(a.title)}</a> <span class="post-date">{ru_date(a.published_dt, False)}</span></li>'
                       for a in others[:6])
    return f"""    <aside id="secondary" class="widget-area">
      <section id="recent-posts-2" class="widget widget_recent_entries">
        <h2 class="widget-title">Последние материалы</h2>
        <ul>
{recent}
        </ul>
      </section>
      <section id="text-3" class="widget widget_text">
        <h2 class="widget-title">Рассылка</h2>
        <div class="textwidget"><p>Главные тексты недели — в вашей почте по пятницам.</p>
        <form class="newsletter-form" action="{B}/novaya/newsletter" method="post"><input type="email" name="email" placeholder="Ваш email"><button type="submit">Подписаться</button></form></div>
      </section>
    </aside>
  </div><!-- #content -->
  <footer id="colophon" class="site-footer">
    <div class="footer-menu">
      <a href="{B}/novaya/about">О нас</a> | <a href="{B}/novaya/contacts">Контакты</a> | <a href="{B}/novaya/privacy">Политика конфиденциальности</a> | <a href="{B}/novaya/donate">Поддержать редакцию</a>
    </div>
    <div class="site-info">&copy; 2022–2025 «Новая газета Европа» (демо). {t(DEMO_NOTE_RU)}</div>
  </footer>
</div><!-- #page -->
<div id="cookie-notice" role="dialog" class="cookie-notice-hidden" aria-label="Cookie Notice">
  <div class="cookie-notice-container"><span id="cn-notice-text" class="cn-text-container">Мы используем файлы cookie, чтобы сайт работал корректно. Оставаясь на сайте, вы соглашаетесь с их использованием.</span><a href="#" id="cn-accept-cookie" data-cookie-set="accept" class="cn-set-cookie cn-button">Ок</a></div>
</div>
<script type="text/javascript">
  (function () {{ var n = document.getElementById('cookie-notice'); if (document.cookie.indexOf('cookie_notice_accepted') === -1) {{ n.className = 'cookie-notice-visible'; }} }})();
</script>
<script type="text/javascript" src="/novaya/wp-content/themes/novaya/js/navigation.js?ver=2.3.1" id="novaya-navigation-js"></script>"""


def novaya_entry_header(a: Article) -> str:
    authors = ", ".join(
        f'<span class="author vcard" itemprop="author" itemscope itemtype="https://schema.org/Person">'
        f'<a class="url fn n" href="{B}/novaya/author/{translit_slug(n)}" itemprop="url"><span itemprop="name">{t(n)}</span></a></span>'
        for n in a.authors)
    slug, label = ("reportage", "Репортаж") if a.kind == "paywall" else ("news", "Новости")
    category = f'<a href="{B}/novaya/{slug}" rel="category tag">{label}</a>'
    return f"""        <meta itemprop="datePublished" content="{a.published}">
        <meta itemprop="dateModified" content="{a.modified}">
        <meta itemprop="mainEntityOfPage" content="{a.url}">
        <header class="entry-header">
          <div class="entry-category">{category}</div>
          <h1 class="entry-title" itemprop="headline">{t(a.title)}</h1>
          <div class="entry-meta">
            <span class="byline">{authors}</span>
            <span class="posted-on"><time class="entry-date published" datetime="{a.published}">{ru_date(a.published_dt)}</time><time class="updated" datetime="{a.modified}" hidden>{ru_date(a.modified_dt)}</time></span>
          </div>
        </header>"""


def novaya_article(a: Article) -> str:
    pid = novaya_post_id(a)
    body = "\n".join(f"          <p>{t(p)}</p>" for p in a.body)
    tags = ", ".join(f'<a href="{B}/novaya/tag/{translit_slug(tag)}" rel="tag">{t(tag)}</a>' for tag in a.tags)
    rel = [by_key(k) for k in a.related]
    nav = ""
    if rel:
        nav = f"""
      <nav class="navigation post-navigation" aria-label="Записи">
        <h2 class="screen-reader-text">Навигация по записям</h2>
        <div class="nav-links"><div class="nav-previous"><a href="{rel[0].url}"><span class="meta-nav">Читайте также</span> <span class="post-title">{t(rel[0].title)}</span></a></div>{''.join(f'<div class="nav-next"><a href="{r.url}"><span class="post-title">{t(r.title)}</span></a></div>' for r in rel[1:])}</div>
      </nav>"""
    if a.kind == "paywall":
        content = f"""        <div class="entry-content entry-content--locked" itemprop="description">
          <p class="lead">{t(a.body[0])}</p>
          <div class="paywall-box">
            <h3 class="paywall-box__title">Этот материал доступен только подписчикам</h3>
            <p class="paywall-box__text">Оформите подписку, чтобы читать все материалы «Новой газеты Европа» и поддержать независимую журналистику.</p>
            <a class="button paywall-box__button" href="{B}/novaya/subscribe">Оформить подписку</a>
            <p class="paywall-box__login">Уже подписаны? <a href="{B}/novaya/login">Войдите</a></p>
          </div>
        </div>"""
        classes = "post type-post status-publish format-standard hentry category-reportage paywalled"
    else:
        content = f"""        <div class="post-thumbnail"><img width="64" height="36" src="{B}/novaya/static/cover.png" class="attachment-post-thumbnail wp-post-image" alt="" decoding="async"></div>
        <div class="entry-content" itemprop="articleBody">
{body}
        </div>
        <footer class="entry-footer"><span class="tags-links">Теги: {tags}</span></footer>"""
        classes = "post type-post status-publish format-standard has-post-thumbnail hentry category-news"
    return f"""{novaya_head(a.title, a.url, a.summary, "article")}
<body class="post-template-default single single-post postid-{pid} single-format-standard">
{novaya_header()}
  <div id="content" class="site-content">
    <div id="primary" class="content-area">
      <main id="main" class="site-main">
      <article id="post-{pid}" class="post-{pid} {classes}" itemscope itemtype="https://schema.org/NewsArticle">
{novaya_entry_header(a)}
{content}
      </article>
      <div class="share-buttons">Поделиться: <a href="https://t.me/share/url?url={a.url}" rel="noopener">Telegram</a> <a href="https://vk.com/share.php?url={a.url}" rel="noopener">ВКонтакте</a> <a href="https://x.com/intent/post?url={a.url}" rel="noopener">X</a></div>
      <div class="donate-box"><p class="donate-box__title">Мы работаем для вас</p><p>Нас заблокировали в России, но мы продолжаем писать правду. Ваша поддержка помогает нам оставаться независимыми.</p><a class="button" href="{B}/novaya/donate">Поддержать</a></div>{nav}
      </main>
    </div>
{novaya_sidebar_and_footer(a.key)}
</body>
</html>
"""


def novaya_sitemaps(items: list[Article]) -> tuple[str, str, str]:
    newest = max(a.modified_dt for a in items)
    index = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap>
    <loc>{B}/novaya/sitemap_news.xml.gz</loc>
    <lastmod>{newest.isoformat()}</lastmod>
  </sitemap>
  <sitemap>
    <loc>{B}/novaya/sitemap_latest.xml</loc>
    <lastmod>{newest.isoformat()}</lastmod>
  </sitemap>
</sitemapindex>
"""
    news = "\n".join(f"""  <url>
    <loc>{a.url}</loc>
    <news:news>
      <news:publication>
        <news:name>Новая газета Европа</news:name>
        <news:language>ru</news:language>
      </news:publication>
      <news:publication_date>{a.published}</news:publication_date>
      <news:title>{xml_escape(a.title)}</news:title>
      <news:keywords>{xml_escape(', '.join(a.tags))}</news:keywords>
    </news:news>
  </url>""" for a in items)
    latest = "\n".join(f"""  <url>
    <loc>{a.url}</loc>
    <lastmod>{a.modified}</lastmod>
    <changefreq>hourly</changefreq>
    <priority>0.8</priority>
  </url>""" for a in items)
    news_xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{news}
</urlset>
"""
    latest_xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{latest}
</urlset>
"""
    return index, news_xml, latest_xml


def novaya_home() -> str:
    lis = "\n".join(f'          <li><a href="{a.url}">{t(a.title)}</a></li>'
                    for a in outlet_articles("novaya", kinds=("article", "paywall")))
    return f"""{novaya_head("Главная", f"{B}/novaya/", "Новости и расследования о России.", "website")}
<body class="home blog">
{novaya_header()}
  <div id="content" class="site-content">
    <div id="primary" class="content-area">
      <main id="main" class="site-main">
        <h1 class="page-title">Главное</h1>
        <ul class="post-list">
{lis}
        </ul>
      </main>
    </div>
{novaya_sidebar_and_footer()}
</body>
</html>
"""


# --------------------------------------------------------------------------------------------
# OVD-Info-like (old-school table layout, windows-1251)
# --------------------------------------------------------------------------------------------

OVD_MENU = [("news", "Новости"), ("articles", "Статьи"), ("data", "Данные"), ("help", "Помощь"),
            ("donate", "Пожертвовать"), ("about", "О проекте")]


def ovd_page(title: str, url: str, content: str, meta: str = "", charset: bool = True) -> str:
    menu = "\n".join(f'          <li><a href="{B}/ovd/{slug}">{label}</a></li>' for slug, label in OVD_MENU)
    charset_meta = ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">\n'
                    if charset else "")
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html>
<head>
{charset_meta}<title>{t(title)} | ОВД-Инфо</title>
<link rel="canonical" href="{url}">
{meta}<link rel="stylesheet" href="{B}/ovd/css/style.css" type="text/css">
<link rel="shortcut icon" href="{B}/ovd/favicon.ico">
<script type="text/javascript">
  var _gaq = _gaq || [];
  _gaq.push(['_setAccount', 'UA-0000000-1']);
  _gaq.push(['_trackPageview']);
</script>
</head>
<body bgcolor="#ffffff" topmargin="0" leftmargin="0" marginwidth="0" marginheight="0">
<table width="100%" cellpadding="0" cellspacing="0" border="0" id="layout">
  <tr>
    <td colspan="2" class="top" height="90">
      <a href="{B}/ovd/"><img src="{B}/ovd/img/logo.png" width="64" height="36" border="0" alt="ОВД-Инфо"></a>
      <span class="slogan">Независимый медиапроект о преследованиях по политическим мотивам</span>
      <span class="hotline">Горячая линия: 8-800-000-00-00 (демо)</span>
    </td>
  </tr>
  <tr>
    <td class="menu" width="200" valign="top">
      <ul class="left-menu">
{menu}
      </ul>
      <div class="left-block">
        <b>Вас задержали?</b><br>
        Звоните на горячую линию или пишите в телеграм-бот. Мы поможем найти адвоката.
      </div>
      <form action="{B}/ovd/subscribe" method="post" class="subscribe">
        Рассылка:<br><input type="text" name="email" size="18"><br><input type="submit" value="Подписаться">
      </form>
    </td>
    <td valign="top">
      <div id="content">
{content}
      </div>
    </td>
  </tr>
  <tr>
    <td colspan="2" class="footer">
      &copy; ОВД-Инфо, 2011&ndash;2025 (демо). {t(DEMO_NOTE_RU)}<br>
      <a href="{B}/ovd/about">О проекте</a> | <a href="{B}/ovd/contacts">Контакты</a> | <a href="{B}/ovd/donate">Поддержать</a>
      <!-- Yandex.Metrika counter -->
      <script type="text/javascript">
        (function(m,e,t,r,i,k,a){{m[i]=m[i]||function(){{(m[i].a=m[i].a||[]).push(arguments)}};}})(window, document, "script", "/ovd/js/tag.js", "ym");
        ym(00000000, "init", {{clickmap:true, trackLinks:true}});
      </script>
      <noscript><div><img src="{B}/ovd/img/counter.png" style="position:absolute; left:-9999px;" alt=""></div></noscript>
      <!-- /Yandex.Metrika counter -->
    </td>
  </tr>
</table>
</body>
</html>
"""


def ovd_article(a: Article) -> str:
    dt = a.published_dt
    body = "\n".join(f"          <p>{t(p)}</p>" for p in a.body)
    more = "\n".join(f'            <li><a href="{by_key(k).url}">{t(by_key(k).title)}</a></li>' for k in a.related)
    tags = ", ".join(t(x) for x in a.tags)
    meta = (f'<meta name="description" content="{a_(a.summary)}">\n'
            f'<meta name="keywords" content="{a_(", ".join(a.tags))}">\n'
            f'<meta name="author" content="{a_(", ".join(a.authors))}">\n'
            f'<meta name="date" content="{a.published}">\n')
    content = f"""        <div class="breadcrumbs"><a href="{B}/ovd/">Главная</a> &raquo; <a href="{B}/ovd/news">Новости</a></div>
        <h1 class="title">{t(a.title)}</h1>
        <div class="date">{dt:%d.%m.%Y}, {dt:%H:%M}</div>
        <div class="author">{"Авторы" if len(a.authors) > 1 else "Автор"}: {t(", ".join(a.authors))}</div>
        <div class="text">
{body}
        </div>
        <div class="tags">Темы: {tags}</div>
        <div class="help-box">Если вас задержали, звоните на нашу горячую линию. Если вы хотите поддержать нашу работу, <a href="{B}/ovd/donate">сделайте пожертвование</a>.</div>
        <div class="share">Поделиться: <a href="https://vk.com/share.php?url={a.url}">ВКонтакте</a> | <a href="https://t.me/share/url?url={a.url}">Telegram</a> | <a href="https://www.facebook.com/sharer.php?u={a.url}">Facebook</a></div>
        <div class="more-news">
          <h3>Другие новости</h3>
          <ul>
{more}
          </ul>
        </div>"""
    return ovd_page(a.title, a.url, content, meta, charset=not a.no_charset)


def ovd_listing(items: list[Article], page: int, pages: int) -> str:
    url = f"{B}/ovd/news" if page == 1 else f"{B}/ovd/news/page/{page}"
    rows = "\n".join(f"""        <div class="news-item">
          <div class="news-date">{a.published_dt:%d.%m.%Y %H:%M}</div>
          <a class="news-title" href="{a.url}">{t(a.title)}</a>
          <p class="news-lead">{t(a.summary)}</p>
        </div>""" for a in items)
    nums = " ".join(f'<span class="pager-current">{n}</span>' if n == page else
                    f'<a href="{B}/ovd/news{"" if n == 1 else f"/page/{n}"}">{n}</a>'
                    for n in range(1, pages + 1))
    prev_link = ""
    if page > 1:
        prev_url = f"{B}/ovd/news" if page == 2 else f"{B}/ovd/news/page/{page - 1}"
        prev_link = f'<a class="pager-prev" href="{prev_url}">Предыдущая страница</a> '
    next_link = (f' <a class="pager-next" href="{B}/ovd/news/page/{page + 1}">Следующая страница</a>'
                 if page < pages else "")
    content = f"""        <div class="breadcrumbs"><a href="{B}/ovd/">Главная</a> &raquo; Новости</div>
        <h1 class="title">Новости{"" if page == 1 else f" — страница {page}"}</h1>
{rows}
        <div class="pager">{prev_link}{nums}{next_link}</div>"""
    return ovd_page("Новости", url, content)


def ovd_home() -> str:
    items = outlet_articles("ovd")
    lis = "\n".join(f'          <li><a href="{a.url}">{t(a.title)}</a></li>' for a in items[:4])
    content = f"""        <h1 class="title">ОВД-Инфо</h1>
        <p>Мы рассказываем о политических преследованиях и помогаем задержанным.</p>
        <h3>Последние новости</h3>
        <ul>
{lis}
        </ul>
        <p><a href="{B}/ovd/news">Все новости</a></p>"""
    return ovd_page("Главная", f"{B}/ovd/", content)


# --------------------------------------------------------------------------------------------
# Site root, static files, config files
# --------------------------------------------------------------------------------------------

def root_index() -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>newsmon demo site</title>
</head>
<body>
<h1>newsmon offline demo</h1>
<p>{t(DEMO_NOTE_EN)}</p>
<ul>
  <li><a href="{B}/tmt/">The Moscow Times (demo)</a> &mdash; English; RSS feed and paginated section listing</li>
  <li><a href="{B}/meduza/">Meduza (demo)</a> and <a href="{B}/meduza/en/">Meduza in English</a> &mdash; RSS feeds, one AMP page</li>
  <li><a href="{B}/novaya/">Новая газета Европа (demo)</a> &mdash; Russian; XML sitemaps only</li>
  <li><a href="{B}/ovd/">ОВД-Инфо (demo)</a> &mdash; Russian, windows-1251; paginated listing</li>
</ul>
</body>
</html>
"""


ROBOTS = f"""User-agent: *
Disallow: /tmt/search/
Disallow: /meduza/api/

Sitemap: {B}/novaya/sitemap.xml
"""

CSS = {
    "tmt/static/css/main.css": "body{font-family:Georgia,serif;margin:0}.container{max-width:1100px;margin:0 auto;padding:0 16px}"
                               ".nav__list{list-style:none;display:flex;gap:16px;padding:0}.sidebar{width:300px}"
                               ".row-flex{display:flex;gap:24px}.col{flex:1}.contribute-banner{background:#f3e9d2;padding:8px}\n",
    "meduza/static/css/app.css": "body{font-family:Helvetica,Arial,sans-serif;margin:0}.Layout-main{display:flex;gap:32px;max-width:1000px;margin:0 auto}"
                                 ".GeneralMaterial-article{flex:1}.Layout-aside{width:280px}.Menu-list{list-style:none;display:flex;gap:12px}\n",
    "novaya/wp-content/themes/novaya/style.css": "body{font-family:'PT Serif',serif}.site-content{display:flex;gap:32px}"
                                                 ".content-area{flex:1}.widget-area{width:280px}#primary-menu{list-style:none;display:flex;gap:12px}\n",
    "ovd/css/style.css": "body{font-family:Verdana,Arial,sans-serif;font-size:13px}td.menu{background:#eef}"
                         "td.top{background:#036;color:#fff}.date{color:#888}.pager a{margin:0 4px}\n",
}


SOURCES_TMPL = r"""# newsmon sources: the demo site served by `newsmon demo`.
defaults:
  politeness:
    download_delay: 0
    concurrency_per_domain: 8
    autothrottle: false
sources:
  - id: demo-tmt
    name: The Moscow Times (demo)
    homepage: "{{BASE}}/tmt/"
    languages: [en]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '^{{BASE_RE}}/tmt/\d{4}/\d{2}/\d{2}/[^/?#]+-a\d+$'
    discovery:
      feeds: ["{{BASE}}/tmt/rss/news"]
      sitemaps: []
      listings:
        - url: "{{BASE}}/tmt/news"
          max_pages: 2
    enabled: true
  - id: demo-meduza
    name: Meduza (demo)
    homepage: "{{BASE}}/meduza/"
    languages: [ru, en]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '^{{BASE_RE}}/meduza/(?:en/)?news/\d{4}/\d{2}/\d{2}/[^/?#]+(?:/amp)?$'
    discovery:
      feeds: ["{{BASE}}/meduza/rss/all", "{{BASE}}/meduza/rss/en/all"]
      sitemaps: []
      listings: []
    enabled: true
  - id: demo-novaya
    name: Novaya Gazeta Europe (demo)
    homepage: "{{BASE}}/novaya/"
    languages: [ru]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '^{{BASE_RE}}/novaya/\d{4}/\d{2}/\d{2}/[^/?#]+$'
    discovery:
      feeds: []
      sitemaps: ["{{BASE}}/novaya/sitemap.xml"]
      listings: []
    enabled: true
  - id: demo-ovd
    name: OVD-Info (demo)
    homepage: "{{BASE}}/ovd/"
    languages: [ru]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '^{{BASE_RE}}/ovd/news/\d{4}/\d{2}/\d{2}/[^/?#]+$'
    discovery:
      feeds: []
      sitemaps: []
      listings:
        - url: "{{BASE}}/ovd/news"
          max_pages: 2
          next_page_pattern: '^{{BASE_RE}}/ovd/news/page/\d+$'
    enabled: true
"""


def expected_entries() -> list[dict]:
    entries = []
    for a in ARTICLES:
        first = sentences(a.body[0])[0]
        last = sentences(a.body[-1])[-1]
        entry = {"path": a.path, "outlet": a.outlet, "lang": a.lang, "title": a.title,
                 "published": a.published, "authors": a.authors, "kind": a.kind,
                 "relevant": a.relevant, "syndicated": a.syndicated, "encoding": a.encoding,
                 "first_sentence": first, "last_sentence": last}
        entries.append(entry)
        if a.amp:
            entries.append(dict(entry, path=a.amp_path, kind="amp"))
    return entries


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------

def build() -> None:
    tmt_all = outlet_articles("tmt", kinds=("article", "gallery"))
    for a in ARTICLES:
        if a.outlet == "tmt":
            emit(a.path, tmt_article(a), HTML_UTF8)
        elif a.outlet == "meduza":
            emit(a.path, meduza_article(a), HTML_UTF8)
            if a.amp:
                emit(a.amp_path, meduza_amp(a), HTML_UTF8)
        elif a.outlet == "novaya":
            emit(a.path, novaya_article(a), HTML_UTF8)
        else:
            emit(a.path, ovd_article(a), "text/html" if a.no_charset else HTML_CP1251, "cp1251")

    # The Moscow Times: feed, two listing pages, homepage
    per_page = 6
    pages = (len(tmt_all) + per_page - 1) // per_page
    for page in range(1, pages + 1):
        chunk = tmt_all[(page - 1) * per_page: page * per_page]
        emit("tmt/news" if page == 1 else f"tmt/news/page/{page}", tmt_listing(chunk, page, pages), HTML_UTF8)
    emit("tmt/rss/news", tmt_rss(outlet_articles("tmt"), tracked_key="T3"), RSS)
    emit("tmt/", tmt_home(), HTML_UTF8)

    # Meduza: two feeds, homepages
    emit("meduza/rss/all", meduza_rss("ru"), RSS)
    emit("meduza/rss/en/all", meduza_rss("en"), RSS)
    emit("meduza/", meduza_home("ru"), HTML_UTF8)
    emit("meduza/en/", meduza_home("en"), HTML_UTF8)

    # Novaya: sitemap index + news sitemap + latest sitemap, homepage
    index, news_xml, latest_xml = novaya_sitemaps(outlet_articles("novaya", kinds=("article", "paywall")))
    emit("novaya/sitemap.xml", index, XML)
    emit("novaya/sitemap_news.xml", news_xml, XML)
    emit("novaya/sitemap_latest.xml", latest_xml, XML)
    emit("novaya/", novaya_home(), HTML_UTF8)

    # OVD: two listing pages, homepage (all windows-1251)
    ovd_all = outlet_articles("ovd")
    for page in (1, 2):
        chunk = ovd_all[(page - 1) * 3: page * 3]
        emit("ovd/news" if page == 1 else f"ovd/news/page/{page}", ovd_listing(chunk, page, 2),
             HTML_CP1251, "cp1251")
    emit("ovd/", ovd_home(), HTML_CP1251, "cp1251")

    # root, robots, static assets
    emit("", root_index(), HTML_UTF8)
    emit("robots.txt", ROBOTS)
    for path, css in CSS.items():
        emit(path, css)
    emit("tmt/static/img/logo.png", png(64, 36, (20, 20, 20), (90, 90, 90)))
    palette = [((200, 220, 240), (250, 250, 255)), ((90, 110, 140), (220, 225, 235)),
               ((240, 240, 245), (160, 170, 185)), ((60, 70, 90), (200, 200, 210)),
               ((180, 60, 50), (235, 235, 240)), ((120, 140, 120), (245, 245, 245))]
    for i, (top, bottom) in enumerate(palette, 1):
        emit(f"tmt/static/img/photo-{i}.png", png(160, 90, top, bottom))
    emit("meduza/static/share.png", png(120, 63, (184, 139, 89), (30, 30, 30)))
    emit("novaya/static/cover.png", png(120, 63, (160, 20, 30), (250, 250, 250)))
    emit("ovd/img/logo.png", png(64, 36, (0, 51, 102), (0, 102, 153)))


def write_all() -> dict[str, str]:
    """Write PAGES under SITE; return URL path -> file path."""
    if SITE.exists():
        shutil.rmtree(SITE)
    mapping = {p: file_for(p, PAGES) for p in PAGES}
    for url_path, data in PAGES.items():
        target = SITE / mapping[url_path]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    headers = {}
    for url_path, ctype in sorted(CTYPES.items()):
        if url_path:
            headers[url_path] = ctype
        if mapping[url_path] != url_path:
            headers[mapping[url_path]] = ctype
    (SITE / "_headers.json").write_text(json.dumps(headers, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
    (HERE / "expected.json").write_text(
        json.dumps(expected_entries(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (HERE / "sources.yaml.tmpl").write_text(SOURCES_TMPL, encoding="utf-8")
    return mapping


# --------------------------------------------------------------------------------------------
# Self-checks
# --------------------------------------------------------------------------------------------

_UTF8_MULTIBYTE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
    rb"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
    rb"|\xF4[\x80-\x8F][\x80-\xBF]{2}")
DISCOVERY_DOCS = ["tmt/rss/news", "meduza/rss/all", "meduza/rss/en/all", "novaya/sitemap.xml",
                  "novaya/sitemap_news.xml", "novaya/sitemap_latest.xml"]
LISTINGS = ["tmt/news", "tmt/news/page/2", "ovd/news", "ovd/news/page/2"]


def check() -> list[str]:
    import xml.etree.ElementTree as ET
    from urllib.parse import urlsplit

    problems: list[str] = []
    base = "http://127.0.0.1:8765"

    def served(url: str) -> bool:
        path = urlsplit(html.unescape(url)).path.lstrip("/")
        return path in PAGES or (path.endswith(".gz") and path[:-3] in PAGES)

    def decoded(path: str) -> str:
        enc = "cp1251" if path.startswith("ovd/") and not path.endswith((".png", ".css")) else "utf-8"
        return PAGES[path].decode(enc).replace(B, base)

    # every link in feeds, sitemaps and listings resolves to a file
    for doc in DISCOVERY_DOCS:
        text = decoded(doc)
        try:
            ET.fromstring(text.encode("utf-8"))
        except ET.ParseError as exc:
            problems.append(f"{doc}: not well-formed XML: {exc}")
        urls = re.findall(r"<(?:link|guid|loc)>([^<]+)</", text) + re.findall(r'url="([^"]+)"', text)
        problems += [f"{doc}: dangling {u}" for u in urls if not served(u)]
    for doc in LISTINGS:
        text = decoded(doc)
        body = text[text.index('<div id="content">') if doc.startswith("ovd") else text.index("<main>"):]
        links = [u for u in re.findall(r'href="([^"]+)"', body) if u.startswith(base)]
        items = [u for u in links if re.search(r"/\d{4}/\d{2}/\d{2}/", u) or "/page/" in u]
        problems += [f"{doc}: dangling {u}" for u in items if not served(u)]
    if 'rel="next"' in decoded("ovd/news") or 'class="pager-next"' not in decoded("ovd/news"):
        problems.append("ovd/news: pagination must use a.pager-next, not rel=next")
    if '<link rel="next"' not in decoded("tmt/news") or '<a rel="next"' not in decoded("tmt/news"):
        problems.append("tmt/news: missing rel=next")
    if "utm_source=rss&amp;utm_medium=feed" not in decoded("tmt/rss/news"):
        problems.append("tmt/rss/news: no tracked link")

    # windows-1251 pages
    for path, data in PAGES.items():
        if not path.startswith("ovd/") or path.endswith((".png", ".css")):
            continue
        data.decode("cp1251")
        hit = _UTF8_MULTIBYTE.search(data)
        if hit:
            problems.append(f"{path}: UTF-8 multibyte sequence at {hit.start()}: "
                            f"{data[max(0, hit.start() - 20):hit.end() + 20].decode('cp1251')!r}")
        if data.isascii():
            problems.append(f"{path}: expected non-ASCII cp1251 bytes")
    for a in ARTICLES:
        if a.no_charset and re.search(rb"charset|encoding=", PAGES[a.path], re.IGNORECASE):
            problems.append(f"{a.path}: must not declare a charset")
        if a.outlet == "ovd" and not a.no_charset and b"charset=windows-1251" not in PAGES[a.path]:
            problems.append(f"{a.path}: missing charset meta")

    # JSON-LD blocks parse; Meduza has no article:published_time; Novaya has no JSON-LD
    for path, data in PAGES.items():
        if path.startswith("ovd/") or path.endswith((".png", ".css", ".txt")):
            continue
        for block in re.findall(rb'<script type="application/ld\+json">(.*?)</script>', data, re.DOTALL):
            json.loads(block.replace(B.encode(), base.encode()))
        if path.startswith("meduza/") and b"article:published_time" in data:
            problems.append(f"{path}: meduza pages must not carry article:published_time")
        if path.startswith("novaya/") and b"application/ld+json" in data:
            problems.append(f"{path}: novaya pages must not carry JSON-LD")
    json.loads((SITE / "_headers.json").read_text(encoding="utf-8"))
    expected = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))

    # expected.json agrees with the pages
    for e in expected:
        page = decoded(e["path"])
        for key in ("title", "first_sentence", "last_sentence"):
            if t(e[key]) not in page:
                problems.append(f"{e['path']}: {key} not found verbatim in the page")
        if e["published"] not in page:
            problems.append(f"{e['path']}: published date not declared in the page")
        if not re.fullmatch(r"2025-11-(1\d|2[01])T\d\d:\d\d:00\+03:00", e["published"]):
            problems.append(f"{e['path']}: published out of range")
        year, month, day = e["published"][:10].split("-")
        if f"/{year}/{month}/{day}/" not in "/" + e["path"]:
            problems.append(f"{e['path']}: URL date differs from published")

    # word counts of real articles
    for a in ARTICLES:
        words = sum(len(p.split()) for p in a.body)
        if a.kind == "article" and not 150 <= words <= 500:
            problems.append(f"{a.path}: {words} words")

    # the sources template parses and its patterns accept exactly the intended URLs
    sys.path.insert(0, str(HERE.parents[1]))
    try:
        from crawler.sources import parse_sources
    except ImportError:  # crawler package not importable: skip the sources checks
        return problems
    text = SOURCES_TMPL.replace("{{BASE_RE}}", re.escape(base)).replace("{{BASE}}", base)
    sources = {s.id: s for s in parse_sources(text, "sources.yaml.tmpl")}
    for a in ARTICLES:
        src = sources[f"demo-{a.outlet}"]
        if not src.article_re.match(f"{base}/{a.path}"):
            problems.append(f"{a.path}: does not match {src.id} article_url_pattern")
    for p in ("tmt/news/page/2", "ovd/news/page/2", "tmt/rss/news", "novaya/sitemap.xml"):
        if any(s.article_re.match(f"{base}/{p}") for s in sources.values()):
            problems.append(f"{p}: matches an article pattern")
    ovd = sources["demo-ovd"].listings[0]
    if not re.match(ovd.next_page_pattern or "", f"{base}/ovd/news/page/2"):
        problems.append("ovd next_page_pattern does not match page 2")
    return problems


def summary(mapping: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for path in mapping.values():
        top = path.split("/")[0] if "/" in path else "(root)"
        counts[top] = counts.get(top, 0) + 1
    kinds: dict[str, int] = {}
    for e in expected_entries():
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    lines = [f"files written: {len(mapping) + 1} (incl. _headers.json) "
             + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
             "expected.json entries: " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())),
             f"relevant articles: {sum(a.relevant for a in ARTICLES if a.kind == 'article')} of "
             f"{sum(a.kind == 'article' for a in ARTICLES)}"]
    for a in ARTICLES:
        flags = [f for f, on in (("syndicated", a.syndicated), ("amp", a.amp), ("gallery", a.kind == "gallery"),
                                 ("paywall", a.kind == "paywall"), ("no-charset", a.no_charset)) if on]
        if flags:
            lines.append(f"  {'/'.join(flags):10} {a.path} -> {mapping[a.path]}")
    return "\n".join(lines)


def main() -> int:
    build()
    mapping = write_all()
    problems = check()
    print(summary(mapping))
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
