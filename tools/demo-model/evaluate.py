"""Scores what the demo model wrote for held-out examples of gen_data.py (standard library only).

    python3 evaluate.py EXAMPLES.jsonl OUTPUTS.jsonl

OUTPUTS has one line per example: {"text": what the model generated after the prompt (thinking
included, <|im_end|> excluded), "finished": whether it stopped on <|im_end|>}. Prints one JSON
object: for each check, how many examples it applies to and the share that passed.
  answer_language   the answer is in the customer's language (the target language for translate)
  facts_kept        every fact the answer must keep (order number, amount, e-mail, address) is in it verbatim
  think_well_formed thinking on: one <think>…</think> block first, non-empty, naming the right language
  intent_named      thinking on, customer chats: the thinking names the customer's intent (the request understood)
  no_think_when_off /no_think: an empty block; enable_thinking false: no block at all
  translation_language  translate examples only: the answer is in the target language
  within_max_words  summaries with max_words: the summary has at most that many words
  finished          stopped on <|im_end|> within the token limit
`python3 evaluate.py --self-check` scores the reference completions themselves (the ceiling: a few
short texts are ambiguous, e.g. Spanish and Portuguese share "pedido", kanji-only Japanese reads as
Chinese); it fails below 0.99 on any check.
"""
import json
import re
import sys

from phrases import NAME

STOPWORDS = {
    "en": "the and your you is of to for has been will order i we my it be have please with this that on are thanks welcome day customer about password".split(),
    "fr": "le la les de des votre vous est et pour nous un une commande sous été être avec pas mon ma je du merci bonne journée".split(),
    "de": "der die das und ist ihre sie wir für nicht wurde bestellung ein eine bis zum den dem mit auf ich mein danke tag mir kannst wie was wird".split(),
    "es": "el la los su de del y es para pedido ha sido que en le un una con por no mi lo se dos veces tenga gracias día".split(),
    "it": "il la lo di del dell e è per ordine suo sono stato che un una con non le entro mio ho prego buona grazie".split(),
    "pt": "o os do da de e é para pedido seu sua foi que em um uma com não até meu pelo pela vocês você duas vezes tenha obrigado".split(),
}


def language(text):
    """Mostly CJK: kana means Japanese, Han without kana Chinese. Otherwise (a Chinese address in a French
    sentence is still French) the Latin-script language whose commonest words it uses most."""
    text = re.sub(r"[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+", "", text)  # e-mail addresses are no language
    kana = len(re.findall(r"[\u3040-\u30ff]", text))
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-zÀ-ÿ]", text))
    if kana + han > latin / 3:
        return "ja" if kana else "zh"
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    scores = {lang: sum(w in set(stop) for w in words) for lang, stop in STOPWORDS.items()}
    hints = {"pt": "ãõç", "es": "ñ¿¡", "de": "äöüß", "fr": "çêèû", "it": "ò"}
    for lang, chars in hints.items():
        scores[lang] += sum(text.count(c) for c in chars)
    best = max(scores, key=scores.get)
    return best if scores[best] > 0 else None


def split(text, example):
    """(think or None, answer, well_formed): the thinking block as the model wrote it, and the answer."""
    if not example["enable_thinking"]:
        return None, text.strip(), "<think>" not in text and "</think>" not in text
    if not text.startswith("<think>") or text.count("</think>") != 1 or text.count("<think>") != 1:
        return None, text.replace("<think>", "").replace("</think>", "").strip(), False
    think, answer = text[len("<think>"):].split("</think>")
    return think.strip(), answer.strip(), True


def score(examples, outputs):
    checks = {}

    def record(name, ok):
        total, passed = checks.get(name, (0, 0))
        checks[name] = (total + 1, passed + bool(ok))

    for ex, out in zip(examples, outputs):
        think, answer, formed = split(out["text"], ex)
        record("finished", out["finished"])
        # issue_resolution's labels are English by the instructions; the language is in what follows them.
        unlabelled = re.sub(r"- (Problem|Cause|Resolution|Open questions):|\bnone\b", "", answer)
        record("answer_language", language(unlabelled) == ex["lang"])
        if ex["facts"]:
            record("facts_kept", all(f in answer for f in ex["facts"]))
        if ex["enable_thinking"] and ex["think"]:
            named = NAME[ex["lang"]] in (think or "")
            record("think_well_formed", formed and bool(think) and named)
            if ex.get("intent"):
                record("intent_named", f"Intent: {ex['intent']}." in (think or ""))
        else:
            record("no_think_when_off", formed and not think)
        if ex["kind"] == "translate":
            record("translation_language", language(answer) == ex["lang"])
        if ex.get("max_words"):
            record("within_max_words", len(answer.split()) <= ex["max_words"])
    return {name: dict(examples=t, passed=round(p / t, 4)) for name, (t, p) in sorted(checks.items())}


def reference_output(ex):
    """What gen_data wants the model to write: the evaluator must give it full marks."""
    if not ex["enable_thinking"]:
        return dict(text=ex["answer"], finished=True)
    return dict(text=f"<think>\n{ex['think']}\n</think>\n\n{ex['answer']}", finished=True)


def main():
    if sys.argv[1:] == ["--self-check"]:
        import gen_data
        examples = gen_data.generate(2, 2000)
        result = score(examples, [reference_output(ex) for ex in examples])
        print(json.dumps(result, indent=1))
        sys.exit(0 if all(v["passed"] >= 0.99 for v in result.values()) else 1)
    examples = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
    outputs = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
    print(json.dumps(score(examples, outputs), indent=1))


if __name__ == "__main__":
    main()
