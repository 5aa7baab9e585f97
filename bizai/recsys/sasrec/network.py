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

    def embedded(self, sequences: torch.Tensor) -> torch.Tensor:
        """Item plus position embeddings, padding zeroed. Positions count from the right (the latest item is always
        the last position), so leading padding can be cut off a batch without changing anyone's positions."""
        length, max_length = sequences.shape[1], self.position_embedding.num_embeddings
        positions = torch.arange(max_length - length, max_length, device=sequences.device)
        hidden = self.item_embedding(sequences) * (self.item_embedding.embedding_dim ** 0.5)
        hidden = self.dropout(hidden + self.position_embedding(positions)[None])
        return hidden * (sequences != 0).unsqueeze(-1)

    def forward(self, sequences: torch.Tensor) -> torch.Tensor:
        """Hidden state at every position: (batch, length, hidden)."""
        hidden = self.encoder(self.embedded(sequences), mask=self.attention_mask(sequences))
        return self.final_norm(hidden)

    def last_hidden(self, sequences: torch.Tensor) -> torch.Tensor:
        """Hidden state at the last position only, (batch, hidden): what serving needs. The same numbers as
        `forward(sequences)[:, -1]` for less work: leading columns that are padding for the whole batch are cut,
        and the last block attends from and feeds forward the last position only."""
        filled = (sequences != 0).any(0).nonzero()
        first = int(filled[0]) if len(filled) else sequences.shape[1] - 1
        sequences = sequences[:, first:]
        *early, last = self.encoder.layers
        hidden = self.embedded(sequences)
        if early:
            mask = self.attention_mask(sequences)
            for layer in early:
                hidden = layer(hidden, src_mask=mask)
        padding = sequences == 0
        padding[:, -1] = False  # the last position sees itself, so a user without history gets no NaN
        normed = last.norm1(hidden)
        attended, _ = last.self_attn(normed[:, -1:], normed, normed, key_padding_mask=padding, need_weights=False)
        state = hidden[:, -1:] + last.dropout1(attended)
        state = state + last.dropout2(last.linear2(last.dropout(last.activation(last.linear1(last.norm2(state))))))
        return self.final_norm(state[:, 0])

    def item_scores(self, hidden: torch.Tensor) -> torch.Tensor:
        """Scores of every real item (1..n) for each hidden state."""
        return hidden @ self.item_embedding.weight[1:].T
