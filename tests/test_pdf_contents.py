"""The whole-book PDF's contents page and per-cluster PDFs (issue 13), without a browser."""

from cluster_inquiry.checks import pdf


def test_contents_lists_every_chapter_with_its_page():
    chapters = [pdf.Chapter("generated/front/index.html", "Front & centre", 1, 2, True),
                pdf.Chapter("generated/clusters/c01-alwoodley.html", "Alwoodley", 3, 2, True)]
    body = pdf.contents_html(chapters)
    assert "<td>Front &amp; centre</td><td style='text-align:right'>1</td>" in body
    assert "<td>Alwoodley</td><td style='text-align:right'>3</td>" in body


def test_cluster_pdfs_are_named_by_cluster(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    for i in range(3):
        (parts / f"{i:03d}.pdf").write_bytes(b"%PDF-" + str(i).encode())
    folder = tmp_path / "clusters"
    folder.mkdir()
    (folder / "stale.pdf").write_bytes(b"old")
    pages = ["generated/front/index.html", "generated/clusters/c01-alwoodley.html", "generated/clusters/c02-wetherby.html"]
    written = pdf._cluster_pdfs(pages, parts, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["c01-alwoodley.pdf", "c02-wetherby.pdf"]
    assert (folder / "c02-wetherby.pdf").read_bytes() == b"%PDF-2" and len(written) == 2
