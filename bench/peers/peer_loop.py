"""The measurement every peer script shares, as ../shared/peers/torch_lstm.py does it: Adam at 1e-3, MSE on random
data, clip-norm 1; 10 warm-up steps, then 5 timed runs of 30 steps; prints one JSON line with the median and best
samples/s. (The bench may swap time.perf_counter for process time to get samples per CPU-second.)"""
import json
import time

import torch


def measure(net, threads, batch, window, features):
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(4096, window, features)
    y = torch.randn(4096)

    def step(i):
        s = (i * batch) % (4096 - batch)
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(net(x[s:s + batch]), y[s:s + batch])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()

    for i in range(10):
        step(i)
    runs = []
    for _ in range(5):
        n = 30
        t = time.perf_counter()
        for i in range(n):
            step(i)
        runs.append(batch * n / (time.perf_counter() - t))
    runs.sort()
    print(json.dumps({"peer": f"torch {torch.__version__}", "threads": threads, "batch": batch,
                      "samples_per_s_median": round(runs[len(runs) // 2]), "samples_per_s_max": round(runs[-1])}))
