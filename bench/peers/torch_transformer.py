"""Peer: PyTorch CPU training throughput for the trainer's Transformer, same shapes and settings as the
bench's (gpu-trainer/model/transformer.ts): window 32 x 14 features, width 32, 2 pre-norm encoder blocks of
4 heads (self-attention, ReLU feed-forward of 2 x width, residuals, layer norm), sinusoidal positions, a
final layer norm, mean pooling over the window, a linear head; MSE, Adam, clip-norm 1, no dropout.

Ours has no key bias (softmax is invariant to it); torch's MultiheadAttention carries one: 32 extra adds
per token, nothing against the matMuls. Prints samples/s as JSON. Usage: python torch_transformer.py [threads] [batch]
"""
import math
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
window, features, width, layers, heads = 32, 14, 32, 2, 4


def positions(n, d):
    pe = torch.zeros(n, d)
    pos = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = torch.nn.Linear(features, width)
        self.register_buffer("pe", positions(window, width))
        block = torch.nn.TransformerEncoderLayer(d_model=width, nhead=heads, dim_feedforward=2 * width,
                                                 dropout=0.0, activation="relu", batch_first=True, norm_first=True)
        self.enc = torch.nn.TransformerEncoder(block, num_layers=layers, enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(width)
        self.head = torch.nn.Linear(width, 1)

    def forward(self, x):
        h = self.enc(self.inp(x) + self.pe)
        return self.head(self.norm(h).mean(dim=1)).squeeze(-1)


measure(Net(), threads, batch, window, features)
