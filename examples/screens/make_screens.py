"""Generate the example screen inputs of ``examples/screens/`` (seeded, reproducible).

Nothing here is measured data (numpy Generator, seed 20140103; sequences are random, not
human guides). Run ``python examples/screens/make_screens.py`` to rewrite every file.

FASTQ screen (``library.txt``, ``T0/T1/T2.fastq.gz``, ``ctrl.txt``, ``ess.txt``):
30 genes x 4 guides (GENE01-GENE30) and 10 non-targeting guides (gene NonTargeting),
random 20-nt spacers at least 4 substitutions apart. Guide abundance at T0 is log-normal
(SD 0.3); at T1 and T2 guides of the essential genes GENE01-GENE08 drop 4-fold (log2 fold
change -2, times a per-guide efficiency uniform in [0.7, 1]), GENE09-GENE10 rise 2-fold,
the other genes and the controls are unchanged. 8,000 reads per sample drawn
multinomially; each 50-nt read is a staggered 5' adapter (24, 25, 26 or 27 bases, shares
40, 30, 20, 10 %), the spacer and a constant 3' tail; 3 % of reads carry one substitution
in the spacer and 1 % are random sequence.

MLE screen (``counts.csv``, ``designmat.txt``, ``cnv.txt``): 200 genes x 4 guides plus
the 10 non-targeting guides, samples day0_r1, day0_r2, HL60_r1, HL60_r2; design baseline
+ HL60 (the two late samples). Planted effects on the HL60 condition (natural-log fold
change): GENE001-GENE020 -1.5, GENE021-GENE030 +1.0, others 0. Copy number: log2 CN
N(1, 0.6) per gene (CN = 2^log2CN, 0.5-16), and a cutting-toxicity effect
-0.4 x (min(CN, 4) - 1) on every targeting guide. Counts negative binomial (mean from a
library size of 400 reads per guide x log-normal abundance, dispersion 0.05).
"""

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
rng = np.random.default_rng(20140103)
BASES = np.array(list("ACGT"))


def spacers(n, length=20, min_dist=4):
    out = []
    while len(out) < n:
        s = rng.integers(0, 4, length)
        if all((s != o).sum() >= min_dist for o in out):
            out.append(s)
    return ["".join(BASES[s]) for s in out]


# --- FASTQ screen -----------------------------------------------------------------------
genes = [f"GENE{i:02d}" for i in range(1, 31)]
lib = [(f"{g}_sg{k}", g) for g in genes for k in range(1, 5)]
lib += [(f"NT_{k:02d}", "NonTargeting") for k in range(1, 11)]
seqs = spacers(len(lib))
with open(HERE / "library.txt", "w") as f:
    f.write("id\tsequence\tgene\n")
    for (gid, gene), s in zip(lib, seqs, strict=True):
        f.write(f"{gid}\t{s}\t{gene}\n")
(HERE / "ctrl.txt").write_text("\n".join(g for g, gene in lib if gene == "NonTargeting") + "\n")
(HERE / "ess.txt").write_text("\n".join(genes[:8]) + "\n")

gene_of = np.array([gene for _, gene in lib])
lfc = np.zeros(len(lib))
lfc[np.isin(gene_of, genes[:8])] = -2.0
lfc[np.isin(gene_of, genes[8:10])] = 1.0
lfc *= rng.uniform(0.7, 1.0, len(lib))
base = rng.lognormal(0.0, 0.3, len(lib))
ADAPTER = "".join(BASES[rng.integers(0, 4, 27)])
TAIL = "".join(BASES[rng.integers(0, 4, 10)])
for sample, effect in (("T0", 0.0), ("T1", 1.0), ("T2", 1.0)):
    p = base * 2.0 ** (effect * lfc)
    guide_of_read = rng.choice(len(lib), size=8000, p=p / p.sum())
    offsets = rng.choice([24, 25, 26, 27], size=8000, p=[0.4, 0.3, 0.2, 0.1])
    with gzip.GzipFile(HERE / f"{sample}.fastq.gz", "wb", mtime=0) as gz:
        for i, (g, off) in enumerate(zip(guide_of_read, offsets, strict=True)):
            spacer = list(seqs[g])
            u = rng.random()
            if u < 0.03:  # one substitution
                pos = rng.integers(0, 20)
                spacer[pos] = rng.choice([b for b in "ACGT" if b != spacer[pos]])
            read = ADAPTER[27 - off :] + "".join(spacer) + TAIL
            if u > 0.99:  # junk
                read = "".join(BASES[rng.integers(0, 4, 50)])
            read = read[:50]
            gz.write(f"@{sample}.{i + 1}\n{read}\n+\n{'I' * len(read)}\n".encode())

# --- MLE screen -------------------------------------------------------------------------
mgenes = [f"GENE{i:03d}" for i in range(1, 201)]
rows = [(f"{g}_sg{k}", g) for g in mgenes for k in range(1, 5)]
rows += [(f"NT_{k:02d}", "NonTargeting") for k in range(1, 11)]
mgene_of = np.array([g for _, g in rows])
log2cn = np.clip(rng.normal(1.0, 0.6, len(mgenes)), -1.0, 4.0)
cn = dict(zip(mgenes, 2.0**log2cn, strict=True))
beta = np.zeros(len(rows))
beta[np.isin(mgene_of, mgenes[:20])] = -1.5
beta[np.isin(mgene_of, mgenes[20:30])] = 1.0
tox = np.array([-0.4 * (min(cn[g], 4.0) - 1.0) if g in cn else 0.0 for g in mgene_of])
abundance = rng.lognormal(0.0, 0.4, len(rows))
counts = {}
for sample, late in (("day0_r1", 0), ("day0_r2", 0), ("HL60_r1", 1), ("HL60_r2", 1)):
    mu = 400.0 * abundance * np.exp(late * (beta + tox))
    mu *= 400.0 * len(rows) / mu.sum()
    r = 1 / 0.05
    counts[sample] = rng.negative_binomial(r, r / (r + mu))
table = pd.DataFrame({"sgRNA": [g for g, _ in rows], "Gene": mgene_of, **counts})
table.to_csv(HERE / "counts.csv", index=False)
(HERE / "designmat.txt").write_text(
    "Samples\tbaseline\tHL60\nday0_r1\t1\t0\nday0_r2\t1\t0\nHL60_r1\t1\t1\nHL60_r2\t1\t1\n"
)
pd.DataFrame({"SYMBOL": mgenes, "HL60": np.round(log2cn, 3)}).to_csv(
    HERE / "cnv.txt", sep="\t", index=False
)
print("wrote", ", ".join(sorted(p.name for p in HERE.iterdir() if p.suffix != ".py")))
