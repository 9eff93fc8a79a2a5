"""Record linkage between two person registries: exact on a valid ID, then Fellegi–Sunter.

This module is the only place in Junheng that imports Splink.

1. **Exact.**  Records whose identity numbers are valid (GB 11643-1999, 15-digit
   ones upgraded) and equal are linked with probability 1 (``method = "id"``).
2. **Probabilistic.**  The records left on both sides — missing, defective or
   unmatched IDs — are compared with Splink's Fellegi–Sunter model on the name
   key (traditional → simplified, widths and spaces removed), its pinyin
   (homophones; near-homophones such as zh/z, in/ing within two letters), the birth date (exact, or one digit off), sex, the ID text
   (one or two characters off: a mistyped number) and, when both lists carry it,
   the village.  Candidate pairs come from blocking rules that scale (same birth
   date; same pinyin initials and birth year; same name key; same village and
   birth year), never from the full cross product.
3. **One-to-one.**  A child is one record in each list: candidate pairs are taken
   best first and a record used once is not used again.  Pairs at or above
   ``threshold`` are links (``method = "probabilistic"``); those between
   ``review_floor`` and ``threshold`` form the clerical-review queue; a clerk's
   decisions (accept / reject, by record keys) are applied on the next run
   (``method = "clerical"``).

The m probabilities are fixed, documented values (``MODEL``); the u
probabilities of the exact name, pinyin and birth-date levels are measured on
the data (``agreement_u``: how often two random records agree), the others are
fixed.  Both are computed before the engine runs, so every engine scores a pair
the same way; the settings are written next to each run's output.  The engine is an
argument — DuckDB by default, Spark (``pyspark``) for province scale — and
nothing else changes between engines.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from junheng.registry.normalise import TEXT
from junheng.registry.readers import Registry

ENGINES = ("duckdb", "spark")

# m = P(level | same child), u = P(level | different children), per level, most specific first.
# Sources of the values: docs/dev/linkage.md (reasoned from registry error rates, not fitted).
MODEL: dict[str, list[tuple[str, float, float]]] = {
    "name": [("exact", 0.90, 0.0005), ("same pinyin", 0.04, 0.002), ("pinyin one or two letters off", 0.03, 0.01),
             ("else", 0.03, 0.9875)],
    "birth_date": [("exact", 0.90, 0.0005), ("typo: one or two characters off", 0.08, 0.01), ("else", 0.02, 0.9895)],
    "sex": [("same", 0.98, 0.5), ("else", 0.02, 0.5)],
    "id": [("one character off", 0.85, 1e-6), ("two characters off", 0.10, 1e-5), ("else", 0.05, 0.99999)],
    "village": [("same", 0.80, 0.02), ("else", 0.20, 0.98)],
}


MIN_RECORDS_FOR_U = 1000


@dataclass(frozen=True)
class LinkageRun:
    """The links between two registries and the pairs awaiting a clerk.

    ``links``: ``left_row``, ``right_row`` (source rows), ``match_probability``,
    ``method`` (id / probabilistic / clerical).  ``review``: the same columns plus
    ``left_key`` and ``right_key`` (stable record keys for the decision).
    ``settings``: the Splink settings used (data, saved with the run).
    """

    links: pd.DataFrame
    review: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    candidate_pairs: int = 0


def record_keys(reg: Registry) -> pd.Series:
    """A key that names a record across monthly runs: the student ID for the roll, else the
    ID text, else name key | birth date | village."""
    return _frame_keys(reg.frame)


def _keys_of_rows(reg: Registry, rows: pd.Series) -> np.ndarray:
    """``record_keys`` of the records with source rows ``rows`` only (a key depends on its record alone)."""
    f = reg.frame
    pos = pd.Index(f["row"].to_numpy()).get_indexer(rows.to_numpy())
    return _frame_keys(f.iloc[pos]).to_numpy()


def _frame_keys(f: pd.DataFrame) -> pd.Series:
    if "student_id" in f.columns:
        return f["student_id"].astype(str)
    alt = (f["name_key"].fillna("") + "|" + f["birth_date"].fillna("") + "|"
           + (f["village_code"].fillna("") if "village_code" in f.columns else ""))
    return f["id_number"].fillna(f["id_raw"]).fillna(alt).astype(str)


def _levels(column: str, kinds: list[tuple[str, float, float]], conditions: list[str]) -> list[dict[str, Any]]:
    levels: list[dict[str, Any]] = [{"sql_condition": f'{column}_l IS NULL OR {column}_r IS NULL',
                                     "label_for_charts": "null", "is_null_level": True}]
    for (label, m, u), cond in zip(kinds, conditions, strict=True):
        levels.append({"sql_condition": cond, "label_for_charts": label, "m_probability": m, "u_probability": u,
                       "fix_m_probability": True, "fix_u_probability": True})
    return levels


def agreement_u(left: pd.DataFrame, right: pd.DataFrame) -> dict[str, float]:
    """u of the exact levels from the data: the chance two random records agree, Σ pᵢ² over the values.

    Computed in pandas from both registries before any engine runs, so every engine gets the
    same numbers; common names (张伟) make the name level weaker, rare ones stronger.  Below
    ``MIN_RECORDS_FOR_U`` records the measurement means little and ``MODEL``'s values are kept.
    """
    if len(left) + len(right) < MIN_RECORDS_FOR_U:
        return {}

    def coincidence(col: str) -> float:
        values = pd.concat([left[col], right[col]], ignore_index=True).dropna()
        if values.empty:
            return 0.5
        p = values.value_counts(normalize=True).to_numpy()
        return float(np.clip((p * p).sum(), 1e-7, 0.5))

    name = coincidence("name_key")
    return {"name_exact": name, "name_pinyin": float(max(coincidence("name_pinyin") - name, 1e-7)),
            "birth_date_exact": coincidence("birth_date")}


def splink_settings(*, with_village: bool, prior: float, u: dict[str, float] | None = None) -> dict[str, Any]:
    """The Splink settings dictionary (dialect-neutral) for a link between two registries.

    ``u`` overrides the u probability of the exact levels (see ``agreement_u``); the rest of
    ``MODEL`` is fixed.
    """
    from splink import block_on

    model = {k: list(v) for k, v in MODEL.items()}
    for key, (comp, idx) in {"name_exact": ("name", 0), "name_pinyin": ("name", 1),
                             "birth_date_exact": ("birth_date", 0)}.items():
        if u and key in u:
            label, m, _ = model[comp][idx]
            model[comp][idx] = (label, m, u[key])

    # Conditions are plain SQL text (unquoted identifiers, levenshtein) that DuckDB and Spark
    # both parse the same way: a double-quoted name would be a string literal in Spark SQL.
    # Edit distances run on ASCII only (pinyin, dates, ID digits): DuckDB counts bytes and
    # Spark characters, which agree only there.
    comparisons: list[Any] = [
        {"output_column_name": "name", "comparison_levels": _levels("name_key", model["name"], [
            'name_key_l = name_key_r',
            'name_pinyin_l = name_pinyin_r',
            'levenshtein(name_pinyin_l, name_pinyin_r) <= 2',
            "ELSE"])},
        {"output_column_name": "birth_date", "comparison_levels": _levels("birth_date", model["birth_date"], [
            'birth_date_l = birth_date_r',
            'levenshtein(birth_date_l, birth_date_r) <= 2',
            "ELSE"])},
        {"output_column_name": "sex", "comparison_levels": _levels("sex", MODEL["sex"], [
            'sex_l = sex_r', "ELSE"])},
        {"output_column_name": "id", "comparison_levels": _levels("id_cmp", MODEL["id"], [
            'levenshtein(id_cmp_l, id_cmp_r) <= 1',
            'levenshtein(id_cmp_l, id_cmp_r) <= 2',
            "ELSE"])},
    ]
    rules: list[Any] = [block_on("birth_date"), block_on("pinyin_initials", "birth_year"), block_on("name_key")]
    if with_village:
        comparisons.append({"output_column_name": "village", "comparison_levels": _levels(
            "village_code", MODEL["village"], ['village_code_l = village_code_r', "ELSE"])})
        rules.append(block_on("village_code", "birth_year"))
    from splink import SettingsCreator

    creator = SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        probability_two_random_records_match=prior,
        unique_id_column_name="unique_id",
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    settings = creator.create_settings_dict("duckdb")
    settings.pop("sql_dialect", None)
    return settings


_INPUT_COLUMNS = ("name_key", "name_pinyin", "pinyin_initials", "birth_date", "birth_year", "sex")


def _arrow_text(values: pd.Series) -> Any:
    """Arrow string array of a text column (nulls stay null) without making Python strings."""
    import pyarrow as pa

    arr = pa.array(values.astype(TEXT).array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _splink_input(reg: Registry, rows: np.ndarray, with_village: bool) -> Any:
    """The records of ``reg`` at positions ``rows`` as an Arrow table: DuckDB scans it in place,
    where a pandas frame of Python strings would cost ~60 bytes per cell (≈ 5 M rows at 10 M children)."""
    import pyarrow as pa

    f = reg.frame.iloc[rows]
    cols: dict[str, Any] = {"unique_id": pa.array(f["row"].to_numpy(dtype=np.int64))}
    for c in _INPUT_COLUMNS:
        cols[c] = _arrow_text(f[c])
    cols["id_cmp"] = _arrow_text(f["id_number"].fillna(f["id_raw"]))
    if with_village:
        cols["village_code"] = _arrow_text(f["village_code"])
    return pa.table(cols)


DUCKDB_MEMORY_LIMIT = "6GB"
"""DuckDB's working-memory cap for the probabilistic step; beyond it DuckDB spills to a
temporary directory.  Its default (80 % of RAM) left no room for the registries themselves
at 10 M children (docs/dev/linkage.md)."""


def duckdb_connection(*, memory_limit: str = DUCKDB_MEMORY_LIMIT, temp_directory: str | None = None) -> Any:
    """An in-memory DuckDB connection with a memory cap, a spill directory and
    ``preserve_insertion_order = false`` (lets large joins and sorts stream)."""
    import os
    import tempfile
    import uuid

    import duckdb

    # A directory of its own per connection (DuckDB creates it and removes it on close, so a
    # shared one could be removed under another run's feet).
    spill = temp_directory or os.path.join(tempfile.gettempdir(), f"junheng-duckdb-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _predict(left: Any, right: Any, settings: dict[str, Any], *, engine: str,
             floor: float, spark: Any = None) -> pd.DataFrame:
    from splink import Linker

    if engine == "duckdb":
        from splink.backends.duckdb import DuckDBAPI

        con = duckdb_connection()
        db: Any = DuckDBAPI(connection=con)
    elif engine == "spark":
        from splink.backends.spark import SparkAPI

        if spark is None:
            spark = spark_session()
        db = SparkAPI(spark_session=spark)
        left, right = left.to_pandas(), right.to_pandas()  # Python strings, None for null
    else:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    import uuid

    run_id = uuid.uuid4().hex[:10]  # Spark keeps registered views for the session: names must be new
    name_a, name_b = f"side_a_{run_id}", f"side_b_{run_id}"
    sdf_l = db.register(left, dataset_display_name=name_a)
    sdf_r = db.register(right, dataset_display_name=name_b)
    linker = Linker([sdf_l, sdf_r], copy.deepcopy(settings), log_level=None, validate_settings=True)
    logging.getLogger("splink").setLevel(logging.WARNING)
    pred = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
    df = pred.as_pandas_dataframe()
    if engine == "duckdb":
        db.duckdb_con.close()  # frees DuckDB's tables before the ledgers are built
    out = pd.DataFrame({
        "source_l": df["source_dataset_l"].astype(str).to_numpy(),
        "id_l": df["unique_id_l"].astype(np.int64).to_numpy(),
        "id_r": df["unique_id_r"].astype(np.int64).to_numpy(),
        "match_probability": df["match_probability"].astype(float).to_numpy(),
    })
    # Splink orders a link_only pair by dataset name; put the left registry first.
    swap = out["source_l"] != name_a
    left_rows = np.where(swap, out["id_r"], out["id_l"])
    right_rows = np.where(swap, out["id_l"], out["id_r"])
    return pd.DataFrame({"left_row": left_rows, "right_row": right_rows,
                         "match_probability": out["match_probability"]})


def spark_session() -> Any:
    """A local-mode Spark session for the registry check (``local[*]``, small shuffles)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    spark = (SparkSession.builder.master("local[*]").appName("junheng-registry")
             .config("spark.jars", similarity_jar_location())
             .config("spark.sql.shuffle.partitions", "8")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "4g")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir("/tmp/junheng-spark-checkpoints")
    return spark


def one_to_one(pairs: pd.DataFrame) -> pd.DataFrame:
    """Best-first one-to-one selection: highest probability first, ties by row numbers."""
    if pairs.empty:
        return pairs
    p = pairs.sort_values(["match_probability", "left_row", "right_row"], ascending=[False, True, True],
                          kind="mergesort")
    used_l: set[int] = set()
    used_r: set[int] = set()
    keep = np.zeros(len(p), dtype=bool)
    for i, (a, b) in enumerate(zip(p["left_row"].to_numpy(), p["right_row"].to_numpy(), strict=True)):
        if a in used_l or b in used_r:
            continue
        used_l.add(int(a))
        used_r.add(int(b))
        keep[i] = True
    return p[keep].reset_index(drop=True)


def link(left: Registry, right: Registry, *, engine: str = "duckdb", threshold: float = 0.9,
         review_floor: float = 0.5, decisions: pd.DataFrame | None = None, spark: Any = None) -> LinkageRun:
    """Link ``right`` (e.g. the roll) to ``left`` (the population): exact ID, then Fellegi–Sunter.

    ``decisions`` holds a clerk's verdicts on review pairs: ``left_key``, ``right_key``,
    ``decision`` (``accept`` / ``reject``).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    lf, rf = left.frame, right.frame
    cols = ["left_row", "right_row", "match_probability", "method"]
    exact = _exact_pairs(lf, rf)
    exact_links = pd.DataFrame({"left_row": exact["row_l"], "right_row": exact["row_r"],
                                "match_probability": 1.0, "method": "id"})
    rest_l = np.flatnonzero(~lf["row"].isin(exact_links["left_row"]).to_numpy())
    rest_r = np.flatnonzero(~rf["row"].isin(exact_links["right_row"]).to_numpy())
    with_village = "village_code" in lf.columns and "village_code" in rf.columns
    prior = 1.0 / max(len(rest_l), len(rest_r), 2)
    settings = splink_settings(with_village=with_village, prior=prior, u=agreement_u(lf, rf))
    pairs = pd.DataFrame(columns=["left_row", "right_row", "match_probability"])
    if len(rest_l) and len(rest_r):
        pairs = _predict(_splink_input(left, rest_l, with_village), _splink_input(right, rest_r, with_village),
                         settings, engine=engine, floor=review_floor, spark=spark)
    candidates = len(pairs)
    pairs["method"] = "probabilistic"
    if decisions is not None and len(decisions):
        lkey = pd.Series(record_keys(left).to_numpy(), index=lf["row"].to_numpy())
        rkey = pd.Series(record_keys(right).to_numpy(), index=rf["row"].to_numpy())
        pairs = _apply_decisions(pairs, decisions, lkey, rkey, rest_l=lf["row"].to_numpy()[rest_l],
                                 rest_r=rf["row"].to_numpy()[rest_r])
    chosen = one_to_one(pairs)
    clerical = chosen["method"] == "clerical"
    chosen.loc[clerical, "match_probability"] = (chosen.loc[clerical, "match_probability"] - 1.0).clip(lower=0.0)
    accepted = chosen[(chosen["match_probability"] >= threshold) | clerical]
    review = chosen[(chosen["match_probability"] < threshold) & ~clerical].copy()
    review["left_key"] = _keys_of_rows(left, review["left_row"])
    review["right_key"] = _keys_of_rows(right, review["right_row"])
    links = pd.concat([exact_links, accepted[cols]], ignore_index=True) if len(accepted) else exact_links
    links = links.astype({"left_row": np.int64, "right_row": np.int64, "match_probability": float})
    links = links.sort_values(["left_row", "right_row"], kind="mergesort").reset_index(drop=True)
    review = review.sort_values(["left_row", "right_row"], kind="mergesort").reset_index(drop=True)
    return LinkageRun(links[cols], review[[*cols[:3], "left_key", "right_key"]], settings, candidates)


def _exact_pairs(lf: pd.DataFrame, rf: pd.DataFrame) -> dict[str, np.ndarray]:
    """Source rows of every pair of records with the same valid ID (``row_l``, ``row_r``; all pairs
    when an ID is repeated), joined in DuckDB on the Arrow columns: at 10 M children a pandas
    merge of text keys needs ~3 GB of transient memory and three times the time."""
    import pyarrow as pa

    con = duckdb_connection()
    try:
        con.register("exact_l", pa.table({"row": lf["row"].to_numpy(np.int64), "id": _arrow_text(lf["id_number"])}))
        con.register("exact_r", pa.table({"row": rf["row"].to_numpy(np.int64), "id": _arrow_text(rf["id_number"])}))
        # NULL IDs (missing or invalid) never satisfy the equality.
        got = con.execute("SELECT exact_l.row AS row_l, exact_r.row AS row_r FROM exact_l "
                          "JOIN exact_r ON exact_l.id = exact_r.id").fetchnumpy()
    finally:
        con.close()
    return {k: np.asarray(got[k], dtype=np.int64) for k in ("row_l", "row_r")}


def _apply_decisions(pairs: pd.DataFrame, decisions: pd.DataFrame, lkey: pd.Series, rkey: pd.Series, *,
                     rest_l: np.ndarray, rest_r: np.ndarray) -> pd.DataFrame:
    d = decisions.assign(decision=decisions["decision"].astype(str).str.lower())
    row_of_l = pd.Series(lkey.index, index=lkey.to_numpy())
    row_of_r = pd.Series(rkey.index, index=rkey.to_numpy())
    row_of_l = row_of_l[~row_of_l.index.duplicated()]
    row_of_r = row_of_r[~row_of_r.index.duplicated()]
    d = d[d["left_key"].isin(row_of_l.index) & d["right_key"].isin(row_of_r.index)].copy()
    d["left_row"] = row_of_l.reindex(d["left_key"]).to_numpy()
    d["right_row"] = row_of_r.reindex(d["right_key"]).to_numpy()
    d = d[np.isin(d["left_row"], rest_l) & np.isin(d["right_row"], rest_r)]
    rejected = set(zip(d.loc[d["decision"] == "reject", "left_row"], d.loc[d["decision"] == "reject", "right_row"],
                       strict=True))
    accepted = d[d["decision"] == "accept"]
    keep = [(a, b) not in rejected for a, b in zip(pairs["left_row"], pairs["right_row"], strict=True)]
    pairs = pairs[np.asarray(keep, dtype=bool)] if len(pairs) else pairs
    acc_set = set(zip(accepted["left_row"], accepted["right_row"], strict=True))
    is_acc = np.asarray([(a, b) in acc_set for a, b in zip(pairs["left_row"], pairs["right_row"], strict=True)],
                        dtype=bool)
    pairs = pairs.copy()
    pairs.loc[is_acc, "method"] = "clerical"
    have = set(zip(pairs["left_row"], pairs["right_row"], strict=True))
    extra = [(int(a), int(b)) for a, b in acc_set if (a, b) not in have]
    if extra:
        pairs = pd.concat([pairs, pd.DataFrame({"left_row": [a for a, _ in extra], "right_row": [b for _, b in extra],
                                                "match_probability": 0.0, "method": "clerical"})],
                          ignore_index=True)
    # A clerk's acceptance outranks any score in the one-to-one selection.
    pairs["match_probability"] = np.where(pairs["method"] == "clerical", 1.0 + pairs["match_probability"],
                                          pairs["match_probability"])
    return pairs
