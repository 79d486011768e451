"""Peer: PyTorch CPU training throughput for the trainer's GRU, same shapes and settings as
../shared/peers/torch_lstm.py (window 32 x 14 features, hidden 32, linear head, MSE, Adam, clip-norm 1).

PyTorch's GRU applies the reset gate after the recurrent matMul (ONNX linear_before_reset = 1); ours
applies it before (linear_before_reset = 0). Both do one input and one recurrent matMul per gate per step.
Prints samples/s as JSON. Usage: python torch_gru.py [threads] [batch]
"""
import json, sys, time
import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 256
torch.set_num_threads(threads)
torch.manual_seed(0)
window, features, hidden = 32, 14, 32

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(features, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, 1)
    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1, :]).squeeze(-1)

net = Net()
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
best = []
for rep in range(5):
    n = 30
    t = time.perf_counter()
    for i in range(n):
        step(i)
    best.append(batch * n / (time.perf_counter() - t))
best.sort()
print(json.dumps({"peer": f"torch {torch.__version__}", "threads": threads, "batch": batch,
                  "samples_per_s_median": round(best[len(best) // 2]), "samples_per_s_max": round(best[-1])}))
