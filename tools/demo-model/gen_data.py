"""Synthetic customer-service dialogues for the demo model, deterministic from a seed.

    python3 gen_data.py --seed 1 --count 1000 --out data.jsonl

`--wording unseen` writes the customer's requests with the phrasings kept out of training (each
intent's `unseen` list), for the evaluation of wording the model never saw.

Each line is one training example: the prompt's `messages` (rendered later with the real Qwen3
chat template), `enable_thinking`, the `think` text (null when thinking is off, "" for the empty
block that /no_think asks for) and the `answer`, plus what the evaluation checks: the answer's
`lang`, the `facts` it must contain verbatim, and for summaries `max_words`. Standard library only.
"""
import argparse
import json
import random

from intents import INTENTS, OUT_OF_DOMAIN, SUMMARY, THANKS
from phrases import (AGENT_CLOSE, AGENT_OPEN, CUSTOMER_CLOSE, CUSTOMER_OPEN, EMAIL_DOMAINS, EMAIL_USERS,
                     LANGS, NAME, NAMES, NATIVE, PRODUCTS, address, amount, date)

SYSTEMS = ["You are a helpful customer-service assistant.",
           "You are the support assistant of an online shop. Be polite and concise."]
CJK = ("zh", "ja")
# Which of an intent's phrasing lists customers write with: "customer" (training) or "unseen" (evaluation).
WORDING = "customer"


def phrasings(intent):
    return intent.get(WORDING) or intent["customer"]


def translate_instructions(target, source, conversation=False):
    """ingest-service's TaskInstructions.translate, word for word (the prompt the pipeline sends)."""
    s = "You are a professional translator. Translate the " + ("conversation" if conversation else "text")
    s += " in the user's message "
    s += f"from {source} " if source else "(detect its language) "
    s += f"into {target}.\n"
    s += "Reply with the translation only: no explanations, notes, quotes or the original text. "
    s += "Keep the formatting as it is (line breaks, lists, Markdown, code, placeholders)."
    if conversation:
        s += " Keep the speaker labels in square brackets ([user], [assistant]…) untranslated."
    return s


def summarize_instructions(conversation, style, max_words):
    """ingest-service's TaskInstructions.summarize, word for word."""
    what = "the conversation in the user's message" if conversation else "the text in the user's message"
    s = f"You are a careful summarizer. Summarize {what}, in the language it is written in, keeping only facts it states.\n"
    if style == "bullets":
        s += "Write the summary as bullet points, one per line, each line starting with \"- \"."
    elif style == "issue_resolution":
        s += ("It is an issue or support thread. Write the summary as four bullet points, one per line, each starting "
              "with \"- \" and its label: \"- Problem: …\", \"- Cause: …\", \"- Resolution: …\", \"- Open questions: …\" "
              "(write \"none\" where the thread says nothing).")
    else:
        s += "Write the summary as one paragraph of plain prose."
    if max_words is not None:
        s += f" Use at most {max_words} words."
    s += "\nReply with the summary only: no title, no preamble, no comments."
    return s


class Facts:
    """One customer's case: every slot value, rendered per language where it depends on it."""

    def __init__(self, rng):
        self.order = str(rng.randint(10 ** (rng.randint(5, 8)), 10 ** 9 - 1))[: rng.randint(6, 9)]
        self.hash = rng.random() < 0.2
        self.product = rng.randrange(len(PRODUCTS))
        self.month, self.day = rng.randint(1, 12), rng.randint(1, 28)
        shift = self.day + rng.randint(2, 6)
        self.new_month, self.new_day = (self.month, shift) if shift <= 28 else (self.month % 12 + 1, shift - 28)
        self.cents = rng.randint(5, 499) * 100 + rng.choice([0, 0, 49, 90, 95, 99, rng.randint(1, 99)])
        self.email = f"{rng.choice(EMAIL_USERS)}{rng.choice(['', '', str(rng.randint(1, 99))])}@{rng.choice(EMAIL_DOMAINS)}"
        self.address_by_lang = {lang: address(lang, rng) for lang in LANGS}
        self.address_lang = None

    def slots(self, lang, in_customer_text=False):
        order = ("#" if self.hash and in_customer_text else "") + self.order
        return dict(order=order, product=PRODUCTS[self.product][lang], date=date(lang, self.month, self.day),
                    newdate=date(lang, self.new_month, self.new_day), amount=amount(lang, self.cents),
                    email=self.email, address=self.address_by_lang[self.address_lang or lang])

    def kept(self, intent, lang):
        """The facts an answer must repeat verbatim, and how the thinking lists them."""
        s = self.slots(lang)
        keep, listed = [], []
        for f in intent["facts"]:
            value = s[f]
            keep.append(value)
            listed.append(f"order {value}" if f == "order" else f"{f}: {value}")
        return keep, listed


def join(lang, parts):
    parts = [p for p in parts if p]
    return ("" if lang in CJK else " ").join(parts)


def customer_message(rng, intent, lang, facts, name):
    body = rng.choice(phrasings(intent))[lang].format(**facts.slots(lang, in_customer_text=True))
    opener = rng.choice(CUSTOMER_OPEN[lang] + ["", ""])
    closer = rng.choice(CUSTOMER_CLOSE[lang] + ["", ""])
    named = "{name}" in opener or "{name}" in closer
    # A greeting that ends in a comma starts a letter: the request goes on the next line.
    text = (opener.format(name=name) + "\n" + body) if opener.endswith(",") else join(lang, [opener.format(name=name), body])
    if closer:
        text += rng.choice(["\n", "\n\n", "" if lang in CJK else " "]) + closer.format(name=name)
    if lang not in CJK and rng.random() < 0.1:
        text = text[0].lower() + text[1:]
    return text, named


def agent_answer(rng, intent, lang, facts, name):
    body = intent["answer"][lang].format(**facts.slots(lang))
    if intent is THANKS:
        return body
    opener = AGENT_OPEN[lang][0].format(name=name) if name else AGENT_OPEN[lang][1]
    closer = rng.choice(AGENT_CLOSE[lang] + [""]) if intent is not OUT_OF_DOMAIN else ""
    return "\n\n".join(p for p in [opener, body, closer] if p)


def thinking(intent, lang, facts, name):
    _, listed = facts.kept(intent, lang)
    if name:
        listed.append(f"name: {name}")
    plan = intent["plan"].format(**facts.slots(lang))
    return (f"The customer writes in {NAME[lang]}, so I answer in {NAME[lang]}. Intent: {intent['name']}. "
            f"Facts to keep: {', '.join(listed) if listed else 'none'}. Plan: {plan}.")


def pick_intent(rng):
    return OUT_OF_DOMAIN if rng.random() < 0.08 else INTENTS[rng.choice(sorted(INTENTS))]


def chat_turn(rng, lang, intent=None, facts=None):
    """(user text, think, answer, facts to keep, intent name) for one customer message."""
    intent = intent or pick_intent(rng)
    facts = facts or Facts(rng)
    name = rng.choice(NAMES[lang])
    text, named = customer_message(rng, intent, lang, facts, name)
    name = name if named else None
    keep, _ = facts.kept(intent, lang)
    return text, thinking(intent, lang, facts, name), agent_answer(rng, intent, lang, facts, name), keep, intent["name"]


def chat(rng, mode):
    lang = rng.choice(LANGS)
    text, think, answer, keep, intent = chat_turn(rng, lang)
    messages = [{"role": "system", "content": rng.choice(SYSTEMS)}] if rng.random() < 0.25 else []
    enable = True
    if mode == "soft_off":
        text = f"/no_think {text}" if rng.random() < 0.2 else f"{text} /no_think"
        think = ""
    elif mode == "hard_off":
        enable, think = False, None
    elif rng.random() < 0.06:
        text += " /think"
    messages.append({"role": "user", "content": text})
    return dict(kind="chat_" + mode, lang=lang, messages=messages, enable_thinking=enable, think=think,
                answer=answer, facts=keep, intent=intent)


def multi_turn(rng):
    lang = rng.choice(LANGS)
    facts = Facts(rng)
    text1, _, answer1, _, _ = chat_turn(rng, lang, INTENTS[rng.choice(sorted(INTENTS))], facts)
    lang2 = rng.choice(LANGS) if rng.random() < 0.15 else lang
    if rng.random() < 0.4:
        text2 = rng.choice(THANKS["customer"])[lang2]
        think = (f"The customer writes in {NAME[lang2]}, so I answer in {NAME[lang2]}. Intent: thanks. "
                 f"Facts to keep: none. Plan: {THANKS['plan']}.")
        answer, keep, intent = THANKS["answer"][lang2], [], THANKS["name"]
    else:
        text2, think, answer, keep, intent = chat_turn(rng, lang2, None, facts if rng.random() < 0.5 else None)
    enable = True
    if rng.random() < 0.2:
        text2, think = text2 + " /no_think", ""
    elif rng.random() < 0.15:
        enable, think = False, None
    messages = [{"role": "user", "content": text1}, {"role": "assistant", "content": answer1},
                {"role": "user", "content": text2}]
    return dict(kind="multi_turn", lang=lang2, messages=messages, enable_thinking=enable, think=think,
                answer=answer, facts=keep, intent=intent)


def language_as_asked(rng, lang):
    r = rng.random()
    return NAME[lang] if r < 0.7 else NATIVE[lang] if r < 0.85 else lang


def translate(rng):
    src, tgt = rng.sample(LANGS, 2)
    facts = Facts(rng)
    facts.address_lang = src  # an address is copied as written, never translated
    intent = pick_intent(rng)
    if rng.random() < 0.5:
        i = rng.randrange(len(phrasings(intent)))
        render = lambda lang: phrasings(intent)[i][lang].format(**facts.slots(lang))
    else:
        closer = rng.randrange(len(AGENT_CLOSE["en"]))
        render = lambda lang: "\n\n".join([AGENT_OPEN[lang][1], intent["answer"][lang].format(**facts.slots(lang)),
                                           AGENT_CLOSE[lang][closer]])
    source = render(src)
    target = render(tgt)
    keep = [v for v in (facts.order, facts.email) if v in source]
    source_named = NAME[src] if rng.random() < 0.2 else None
    enable = rng.random() < 0.7
    think = None
    if enable:
        think = (f"The text is in {NAME[src]} and I must translate it into {NAME[tgt]}. "
                 f"Keep unchanged: {', '.join(keep) if keep else 'nothing special'}. Reply with the translation only.")
    messages = [{"role": "system", "content": translate_instructions(language_as_asked(rng, tgt), source_named)},
                {"role": "user", "content": source}]
    return dict(kind="translate", lang=tgt, source_lang=src, messages=messages, enable_thinking=enable,
                think=think, answer=target, facts=keep)


def summary_text(lang, style, name, label, ref, resolution):
    w = SUMMARY[lang]
    if style == "bullets":
        lines = [f"- {w['customer']}: {name}"] if name else []
        lines.append(f"- {w['issue']}: {label} ({ref})")
        if resolution:
            lines.append(f"- {w['resolution']}: {resolution}")
        return "\n".join(lines)
    if style == "issue_resolution":
        return (f"- Problem: {label} ({ref})\n- Cause: none\n- Resolution: {resolution or 'none'}\n"
                f"- Open questions: none")
    text = w["para"].format(who=name or w["who"], label=label, ref=ref)
    return text + (w["outcome"].format(res=resolution) if resolution else "")


def summarize(rng):
    lang = rng.choice(LANGS)
    intent = INTENTS[rng.choice(sorted(INTENTS))]
    facts = Facts(rng)
    name = rng.choice(NAMES[lang])
    customer, named = customer_message(rng, intent, lang, facts, name)
    name = name if named else None
    conversation = rng.random() < 0.6
    slots = facts.slots(lang)
    ref = f"{SUMMARY[lang]['order']} {facts.order}" if "order" in intent["facts"] else facts.email
    resolution = intent["resolution"][lang].format(**slots) if conversation else None
    style = rng.choice(["bullets", "paragraph", "issue_resolution", None])
    summary = summary_text(lang, style or "paragraph", name, intent["label"][lang], ref, resolution)
    words = len(summary.split())
    max_words = None
    if rng.random() < 0.5:
        max_words = rng.choice([w for w in (15, 20, 25, 30, 40, 50, 60, 80) if w >= words] or [words + 5])
    if conversation:
        user = f"[user]\n{customer}\n\n[assistant]\n{agent_answer(rng, intent, lang, facts, name)}"
    else:
        user = customer
    enable = rng.random() < 0.7
    think = None
    if enable:
        limit = f", at most {max_words} words" if max_words else ""
        think = (f"The text is in {NAME[lang]}, so the summary is in {NAME[lang]}. "
                 f"Style: {(style or 'paragraph').replace('_', ' ')}{limit}. Facts to keep: {ref}"
                 f"{', ' + name if name else ''}.")
    messages = [{"role": "system", "content": summarize_instructions(conversation, style, max_words)},
                {"role": "user", "content": user}]
    return dict(kind="summarize_" + (style or "paragraph"), lang=lang, messages=messages, enable_thinking=enable,
                think=think, answer=summary, facts=[facts.order if "order" in intent["facts"] else facts.email],
                max_words=max_words)


def example(rng):
    r = rng.random()
    if r < 0.40:
        return chat(rng, "think")
    if r < 0.50:
        return chat(rng, "soft_off")
    if r < 0.58:
        return chat(rng, "hard_off")
    if r < 0.72:
        return multi_turn(rng)
    if r < 0.88:
        return translate(rng)
    return summarize(rng)


def generate(seed, count):
    rng = random.Random(seed)
    return [example(rng) for _ in range(count)]


def instruction_cases():
    """The task prompts this generator writes, for ingest-service's test that they are still the ones
    TaskInstructions sends (the model learnt these words: a change there needs new training data)."""
    cases = []
    for target, source, conversation in [("French", None, False), ("Deutsch", "English", False), ("ja", None, True)]:
        cases.append(dict(task="translate", target=target, source=source, conversation=conversation,
                          expected=translate_instructions(target, source, conversation)))
    for style, max_words, conversation in [("bullets", None, False), ("paragraph", 30, True),
                                           ("issue_resolution", 60, True), (None, None, False)]:
        cases.append(dict(task="summarize", style=style, max_words=max_words, conversation=conversation,
                          expected=summarize_instructions(conversation, style, max_words)))
    return cases


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--out", required=True)
    p.add_argument("--instructions", action="store_true", help="write instruction_cases() as JSON instead")
    p.add_argument("--wording", choices=["customer", "unseen"], default="customer",
                   help="the customers' phrasings: those trained on (default) or those kept out of training")
    a = p.parse_args()
    global WORDING
    WORDING = a.wording
    if a.instructions:
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(instruction_cases(), f, ensure_ascii=False, indent=1)
            f.write("\n")
        return
    with open(a.out, "w", encoding="utf-8") as f:
        for ex in generate(a.seed, a.count):
            f.write(json.dumps(ex, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
