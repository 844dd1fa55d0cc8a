"""Re-audit s21 (rebs): ``count_fastq`` takes the library as a path too (read by
``read_library``), not only as a DataFrame. Expected counts are counted by hand."""

from kinetor.screens import count_fastq


def test_count_fastq_accepts_a_library_path(tmp_path):
    lib = tmp_path / "lib.txt"
    lib.write_text("id\tsequence\tgene\ng1\tACGT\tA\ng2\tTTTT\tB\n")
    reads = ["ACGT", "ACGT", "TTTT", "GGGG"]  # g1 twice, g2 once, one unmapped
    fq = tmp_path / "s.fastq"
    fq.write_text("".join(f"@r{i}\n{s}\n+\nIIII\n" for i, s in enumerate(reads)))
    for library in (str(lib), lib):
        res = count_fastq({"s": fq}, library)
        c = res.counts
        counts = dict(zip(c.guides.tolist(), c.counts[:, 0].tolist(), strict=True))
        assert counts == {"g1": 2, "g2": 1}
