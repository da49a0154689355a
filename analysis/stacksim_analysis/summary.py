"""Accessors of stacksim's JSON and CSV: the run summaries (`stacksim run -o`), the info
documents (`stacksim info -o`) and the sweep export's columns. This is the one place the
Python side spells their key names. The report adds one key of its own to a summary, the
command that produced it (set here too). The dollar format lives here as well."""

# ---------------------------------------------------------------------------------------
# Documents (run and info alike)


def scenarios(doc):
    """The per-variant entries of a `run -o` or `info -o` document, in the file's order."""
    return doc["scenarios"]


def name(s):
    """The variant's name (summary or info)."""
    return s["scenario"]


def only(docs, scenario):
    """The one entry of a run of `scenario`, a file without variants."""
    if len(docs) != 1:
        raise SystemExit(f"report: {scenario} has {len(docs)} variants, expected none")
    return docs[0]


def by_name(docs, wanted, scenario):
    """The entry of the variant called `wanted` among those of a run of `scenario`."""
    for d in docs:
        if name(d) == wanted:
            return d
    raise SystemExit(f"report: {scenario} has no variant named {wanted!r} (named in scenarios/article/claims.yaml)")


# ---------------------------------------------------------------------------------------
# Run summaries: latency, requests, throughput, cost


def p99_ttft(s):
    return s["latency_s"]["ttft"]["p99"]


def p50_tpot(s):
    return s["latency_s"]["tpot"]["p50"]






def completed(s):
    return s["requests"]["completed"]


def generated(s):
    return s["requests"]["generated"]


def simulated_seconds(s):
    return s["simulated_seconds"]


def chips(s):
    return s["layout"]["chips"]


def requests_per_s(s):
    return s["throughput"]["requests_per_s"]


def input_tokens_per_s_per_chip(s):
    return s["throughput"]["input_tokens_per_s_per_chip"]


def output_tokens_per_s_per_chip(s):
    return s["throughput"]["output_tokens_per_s_per_chip"]




def usd_in(s):
    return s["cost"]["usd_per_m_input"]


def usd_out(s):
    return s["cost"]["usd_per_m_output"]


def fmt_usd(x):
    return f"${x:,.3f}" if x < 10 else f"${x:,.2f}"


# ---------------------------------------------------------------------------------------
# The report's own keys on a summary


def set_command(s, command):
    s["command"] = command



# ---------------------------------------------------------------------------------------
# Info documents


def steps(i):
    return i["steps"]


def step(i, kind, seqs_per_rank=None):
    """The first step of `kind` ("prefill", "decode"), with `seqs_per_rank` if given."""
    return next(x for x in steps(i) if x["kind"] == kind
                and (seqs_per_rank is None or x["seqs_per_rank"] == seqs_per_rank))


def step_total_s(x):
    return x["total_s"]


def step_compute_s(x):
    """Attention, FFN and routed experts: a step's compute, in that order of summation."""
    return x["attention_s"] + x["ffn_s"] + x["experts_s"]


def step_flops_limited_s(x):
    return x["flops_limited_s"]


def step_dispatch_combine_s(x):
    return x["dispatch_combine_s"]


def min_chips_for_weights(i):
    return i["memory"]["min_chips_for_weights"]


def first_pool(i):
    """The `info` description of a scenario's first pool: a disaggregated scenario lists
    one per pool under "pools"; a colocated one is its own pool."""
    return i["pools"][0] if "pools" in i else i


def kv_tokens_per_rank(i):
    return i["memory"]["kv_tokens_per_rank"]


def active_params(i):
    return i["model"]["active_params"]


def total_params(i):
    return i["model"]["total_params"]


def attention_tp(i):
    return i["serving"]["attention_tp"]


def dp_ranks(i):
    return i["serving"]["dp_ranks"]


def chips_per_instance(i):
    return i["serving"]["chips_per_instance"]


def platform_name(i):
    return i["platform"]["name"]


def cluster_chips(i):
    return i["platform"]["cluster_chips"]


def peak_flops_per_chip(i):
    """{precision: FLOP/s} as the platform file gives it."""
    return i["platform"]["peak_flops_per_chip"]


def hbm_bytes(i):
    return i["platform"]["hbm_bytes"]


# ---------------------------------------------------------------------------------------
# Columns of `stacksim export --csv`

CSV_PLATFORM = "platform"
CSV_TPOT_P50 = "latency_s.tpot.p50"
CSV_OUTPUT_TOKENS_PER_S_PER_CHIP = "throughput.output_tokens_per_s_per_chip"
