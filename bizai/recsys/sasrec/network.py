"""The SASRec network: item + learned position embeddings, pre-norm causal transformer blocks, and scores
against the (tied) item embedding table. Item 0 is padding; sequences are left-padded."""

from __future__ import annotations

import torch
from torch import nn


class SASRecNetwork(nn.Module):
    """Item embeddings plus learnt positions through causal transformer blocks; scores are dot products with the item
    embeddings."""

    def __init__(self, n_items: int, hidden: int, layers: int, heads: int, dropout: float, max_length: int):
        super().__init__()
        self.item_embedding = nn.Embedding(n_items + 1, hidden, padding_idx=0)
        self.position_embedding = nn.Embedding(max_length, hidden)
        self.dropout = nn.Dropout(dropout)
        block = nn.TransformerEncoderLayer(hidden, heads, dim_feedforward=hidden * 4 if hidden < 128 else hidden * 2,
                                           dropout=dropout, activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.final_norm = nn.LayerNorm(hidden)
        self.heads = heads
        nn.init.normal_(self.item_embedding.weight, std=0.02)
        nn.init.normal_(self.position_embedding.weight, std=0.02)

    def attention_mask(self, sequences: torch.Tensor) -> torch.Tensor:
        """True where attention is forbidden: future positions and padding keys (a position may see itself,
        so padded rows never become all-masked and NaN)."""
        length = sequences.shape[1]
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool, device=sequences.device), diagonal=1)
        padding = (sequences == 0)[:, None, :]
        mask = causal[None] | padding
        mask = mask & ~torch.eye(length, dtype=torch.bool, device=sequences.device)[None]
        return mask.repeat_interleave(self.heads, dim=0)

    def forward(self, sequences: torch.Tensor) -> torch.Tensor:
        """Hidden state at every position: (batch, length, hidden)."""
        positions = torch.arange(sequences.shape[1], device=sequences.device)
        hidden = self.item_embedding(sequences) * (self.item_embedding.embedding_dim ** 0.5)
        hidden = self.dropout(hidden + self.position_embedding(positions)[None])
        hidden = hidden * (sequences != 0).unsqueeze(-1)
        hidden = self.encoder(hidden, mask=self.attention_mask(sequences))
        return self.final_norm(hidden)

    def item_scores(self, hidden: torch.Tensor) -> torch.Tensor:
        """Scores of every real item (1..n) for each hidden state."""
        return hidden @ self.item_embedding.weight[1:].T
