"""Peer: PyTorch CPU training throughput for the trainer's GRU, same shapes and settings as
../shared/peers/torch_lstm.py (window 32 x 14 features, hidden 32, linear head, MSE, Adam, clip-norm 1).

PyTorch's GRU applies the reset gate after the recurrent matMul (ONNX linear_before_reset = 1); ours
applies it before (linear_before_reset = 0). Both do one input and one recurrent matMul per gate per step.
Prints samples/s as JSON. Usage: python torch_gru.py [threads] [batch]
"""
import os
import sys

import torch

# The bench may run this file through runpy (CPU-time mode), which does not put its folder on the path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_loop import measure  # noqa: E402

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

measure(Net(), threads, batch, window, features)
