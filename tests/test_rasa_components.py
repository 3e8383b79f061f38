"""Pure parts of the custom Rasa components, run in the Rasa environment (numpy, scikit-learn)."""

from __future__ import annotations

import subprocess
import textwrap

from bot.settings import REPO_ROOT, load_settings


def run_in_rasa_env(code: str) -> str:
    completed = subprocess.run(
        [str(load_settings().rasa.venv / "bin" / "python"), "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT / "rasa_project",
        timeout=120,
        check=True,
    )
    return completed.stdout.strip()


def test_tfidf_weighting_matches_scikit_learn_and_ignores_unseen_rows() -> None:
    output = run_in_rasa_env(
        """
        import numpy as np
        import scipy.sparse as sp
        from sklearn.feature_extraction.text import TfidfTransformer
        from components.term_weighting import fit_idf, weigh

        rng = np.random.default_rng(7)
        train = sp.random(60, 40, density=0.2, random_state=1, format="csr")
        train.data = rng.integers(1, 6, train.nnz).astype(float)
        test = sp.random(15, 40, density=0.2, random_state=2, format="csr")
        test.data = rng.integers(1, 6, test.nnz).astype(float)
        test = sp.vstack([test, sp.csr_matrix((1, 40))]).tocsr()  # an all-zero message
        reference = TfidfTransformer(sublinear_tf=True).fit(train)
        idf = fit_idf(train)
        ours = weigh(test, idf).toarray()
        assert np.allclose(idf, reference.idf_)
        assert np.allclose(ours, reference.transform(test).toarray())
        assert np.allclose(np.linalg.norm(ours[:-1], axis=1), 1.0)
        assert not ours[-1].any()
        print("ok", ours.shape[0])
        """
    )
    assert output == "ok 16"


def test_scope_gate_measures_nearest_examples_like_a_plain_cosine() -> None:
    output = run_in_rasa_env(
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.metrics.pairwise import cosine_similarity
        from components.scope_gate import ScopeGate

        examples = [
            {"text": "bolehkah pns ikut kampanye", "intent": "kampanye"},
            {"text": "asn hadir kampanye akbar", "intent": "kampanye"},
            {"text": "like postingan capres di ig", "intent": "media_sosial"},
            {"text": "share video paslon di grup wa", "intent": "media_sosial"},
            {"text": "kapan gaji ke-13 cair", "intent": "di_luar_topik"},
        ]
        gate = ScopeGate({"neighbours": 3}, None, None, examples)
        texts = [example["text"] for example in examples]
        reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        trained = reference.fit_transform(texts)
        for text in ["pns boleh kampanye?", "like foto capres", "xyzq qwv"]:
            scope = gate.measure(text)
            plain = cosine_similarity(reference.transform([text]), trained).ravel()
            assert abs(scope["similarity"] - round(float(plain.max()), 4)) < 1e-9, (text, scope)
            print(text, scope["neighbour_intent"], scope["similarity"] > 0)
        """
    )
    assert output.splitlines() == [
        "pns boleh kampanye? kampanye True",
        "like foto capres media_sosial True",
        "xyzq qwv None False",
    ]
