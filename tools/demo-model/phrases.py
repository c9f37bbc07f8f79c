"""The demo model's world: customer-service phrases in eight languages, aligned across languages
(entry i of a list means the same thing in every language, so the lists double as a parallel
corpus for the translate task). Slots: {order} {product} {date} {newdate} {amount} {email}
{address}. Products sit in parentheses or after a colon so that no article has to agree with them.
"""

LANGS = ["en", "fr", "de", "es", "it", "pt", "zh", "ja"]
NAME = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
        "pt": "Portuguese", "zh": "Chinese", "ja": "Japanese"}
NATIVE = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "it": "Italiano",
          "pt": "Português", "zh": "中文", "ja": "日本語"}

MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split(),
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro".split(),
}


def date(lang, month, day):
    if lang in ("zh", "ja"):
        return f"{month}月{day}日"
    m = MONTHS[lang][month - 1]
    return {"en": f"{m} {day}", "fr": f"{day} {m}", "de": f"{day}. {m}", "es": f"{day} de {m}",
            "it": f"{day} {m}", "pt": f"{day} de {m}"}[lang]


def amount(lang, cents):
    whole, frac = divmod(cents, 100)
    if lang == "en":
        return f"€{whole}.{frac:02d}"
    if lang == "zh":
        return f"{whole}.{frac:02d}欧元"
    if lang == "ja":
        return f"{whole}.{frac:02d}ユーロ"
    return f"{whole},{frac:02d} €"


PRODUCTS = [
    dict(en="headphones", fr="casque audio", de="Kopfhörer", es="auriculares", it="cuffie", pt="fones de ouvido", zh="耳机", ja="ヘッドホン"),
    dict(en="coffee machine", fr="machine à café", de="Kaffeemaschine", es="cafetera", it="macchina da caffè", pt="máquina de café", zh="咖啡机", ja="コーヒーメーカー"),
    dict(en="running shoes", fr="chaussures de course", de="Laufschuhe", es="zapatillas de running", it="scarpe da corsa", pt="tênis de corrida", zh="跑鞋", ja="ランニングシューズ"),
    dict(en="backpack", fr="sac à dos", de="Rucksack", es="mochila", it="zaino", pt="mochila", zh="背包", ja="リュック"),
    dict(en="phone case", fr="coque de téléphone", de="Handyhülle", es="funda de móvil", it="cover del telefono", pt="capa de celular", zh="手机壳", ja="スマホケース"),
    dict(en="desk lamp", fr="lampe de bureau", de="Schreibtischlampe", es="lámpara de escritorio", it="lampada da scrivania", pt="luminária de mesa", zh="台灯", ja="デスクライト"),
    dict(en="blender", fr="mixeur", de="Standmixer", es="batidora", it="frullatore", pt="liquidificador", zh="搅拌机", ja="ミキサー"),
    dict(en="winter jacket", fr="veste d'hiver", de="Winterjacke", es="chaqueta de invierno", it="giacca invernale", pt="jaqueta de inverno", zh="冬季外套", ja="冬用ジャケット"),
    dict(en="keyboard", fr="clavier", de="Tastatur", es="teclado", it="tastiera", pt="teclado", zh="键盘", ja="キーボード"),
    dict(en="watch", fr="montre", de="Uhr", es="reloj", it="orologio", pt="relógio", zh="手表", ja="腕時計"),
    dict(en="suitcase", fr="valise", de="Koffer", es="maleta", it="valigia", pt="mala", zh="行李箱", ja="スーツケース"),
    dict(en="toaster", fr="grille-pain", de="Toaster", es="tostadora", it="tostapane", pt="torradeira", zh="烤面包机", ja="トースター"),
]

NAMES = {
    "en": "Emma James Olivia Liam Sophie Daniel Grace Thomas Chloe Henry".split(),
    "fr": "Marie Louis Camille Julien Chloé Antoine Léa Hugo Manon Nicolas".split(),
    "de": "Anna Lukas Sophie Jonas Lena Felix Marie Paul Clara Tobias".split(),
    "es": "Lucía Carlos María Javier Sofía Diego Elena Pablo Carmen Andrés".split(),
    "it": "Giulia Marco Francesca Luca Chiara Matteo Sara Andrea Elena Davide".split(),
    "pt": "Ana João Beatriz Pedro Mariana Rafael Inês Tiago Carolina Bruno".split(),
    "zh": "王伟 李娜 张敏 刘洋 陈静 杨帆 赵磊 黄丽 周杰 吴芳".split(),
    "ja": "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤".split(),
}
EMAIL_USERS = "emma.k marie.d anna.m lucia.g giulia.r ana.s wang.wei li.na sato.k tanaka.y j.smith l.martin felix88 pablo.r luca.b joao.p".split()
EMAIL_DOMAINS = ["example.com", "mail.example.org", "example.net", "shop.example"]


def address(lang, rng):
    n = rng.randint(1, 199)
    return {
        "en": f"{n} {rng.choice(['Park Lane', 'High Street', 'Oak Road', 'Mill Lane'])}, {rng.choice(['Leeds', 'Bristol', 'York', 'Cardiff'])}",
        "fr": f"{n} {rng.choice(['rue des Lilas', 'avenue Victor Hugo', 'rue de la Paix', 'boulevard Voltaire'])}, {rng.choice(['Lyon', 'Nantes', 'Lille', 'Bordeaux'])}",
        "de": f"{rng.choice(['Hauptstraße', 'Gartenweg', 'Bahnhofstraße', 'Lindenallee'])} {n}, {rng.choice(['Berlin', 'Köln', 'Hamburg', 'Leipzig'])}",
        "es": f"{rng.choice(['Calle Mayor', 'Avenida del Mar', 'Calle del Sol', 'Paseo de Gracia'])} {n}, {rng.choice(['Madrid', 'Sevilla', 'Valencia', 'Bilbao'])}",
        "it": f"{rng.choice(['Via Roma', 'Via Garibaldi', 'Corso Italia', 'Via Verdi'])} {n}, {rng.choice(['Torino', 'Bologna', 'Napoli', 'Firenze'])}",
        "pt": f"{rng.choice(['Rua das Flores', 'Avenida da Liberdade', 'Rua Augusta', 'Rua do Sol'])} {n}, {rng.choice(['Porto', 'Lisboa', 'Braga', 'Coimbra'])}",
        "zh": f"{rng.choice(['上海市', '北京市', '广州市', '杭州市'])}{rng.choice(['南京路', '人民路', '中山路', '长安街'])}{n}号",
        "ja": f"{rng.choice(['東京都渋谷区', '大阪市北区', '京都市中京区', '札幌市中央区'])}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{n}",
    }[lang]


# What the customer writes before and after the request ({name} only where the name is given).
CUSTOMER_OPEN = {
    "en": ["Hello,", "Hi there,", "Good morning,", "Hello, my name is {name}.", "Hi, this is {name}."],
    "fr": ["Bonjour,", "Bonsoir,", "Bonjour, je m'appelle {name}.", "Bonjour, ici {name}."],
    "de": ["Hallo,", "Guten Tag,", "Hallo, mein Name ist {name}.", "Guten Tag, hier ist {name}."],
    "es": ["Hola,", "Buenos días,", "Hola, me llamo {name}.", "Buenas tardes, soy {name}."],
    "it": ["Buongiorno,", "Salve,", "Buongiorno, mi chiamo {name}.", "Salve, sono {name}."],
    "pt": ["Olá,", "Bom dia,", "Olá, meu nome é {name}.", "Boa tarde, aqui é {name}."],
    "zh": ["你好，", "您好，", "你好，我是{name}。", "您好，我叫{name}。"],
    "ja": ["こんにちは。", "お世話になっております。", "{name}と申します。", "こんにちは、{name}です。"],
}
CUSTOMER_CLOSE = {
    "en": ["Thanks, {name}", "Best regards, {name}", "Thank you.", "{name}", "Thanks in advance!"],
    "fr": ["Merci, {name}", "Cordialement, {name}", "Merci d'avance.", "{name}"],
    "de": ["Danke, {name}", "Viele Grüße, {name}", "Vielen Dank im Voraus.", "{name}"],
    "es": ["Gracias, {name}", "Saludos, {name}", "Gracias de antemano.", "{name}"],
    "it": ["Grazie, {name}", "Cordiali saluti, {name}", "Grazie in anticipo.", "{name}"],
    "pt": ["Obrigado, {name}", "Atenciosamente, {name}", "Agradeço desde já.", "{name}"],
    "zh": ["谢谢！{name}", "{name}", "麻烦了，谢谢。"],
    "ja": ["よろしくお願いします。{name}", "{name}", "よろしくお願いいたします。"],
}
# How the assistant greets ([with name, without]) and signs off.
AGENT_OPEN = {
    "en": ["Hello {name},", "Hello,"], "fr": ["Bonjour {name},", "Bonjour,"],
    "de": ["Hallo {name},", "Guten Tag,"], "es": ["Hola {name},", "Hola,"],
    "it": ["Buongiorno {name},", "Buongiorno,"], "pt": ["Olá {name},", "Olá,"],
    "zh": ["{name}您好，", "您好，"], "ja": ["{name}様、お問い合わせありがとうございます。", "お問い合わせありがとうございます。"],
}
AGENT_CLOSE = {
    "en": ["Is there anything else I can help you with?", "Best regards, the customer service team", "Have a nice day!"],
    "fr": ["Puis-je vous aider pour autre chose ?", "Cordialement, le service client", "Bonne journée !"],
    "de": ["Kann ich Ihnen sonst noch helfen?", "Viele Grüße, Ihr Kundenservice", "Einen schönen Tag noch!"],
    "es": ["¿Puedo ayudarle en algo más?", "Saludos, el equipo de atención al cliente", "¡Que tenga un buen día!"],
    "it": ["Posso aiutarla in altro?", "Cordiali saluti, il servizio clienti", "Buona giornata!"],
    "pt": ["Posso ajudar em mais alguma coisa?", "Atenciosamente, a equipe de atendimento", "Tenha um ótimo dia!"],
    "zh": ["请问还有什么可以帮您的吗？", "客服团队敬上", "祝您生活愉快！"],
    "ja": ["他にお手伝いできることはございますか？", "カスタマーサービス", "よろしくお願いいたします。"],
}
