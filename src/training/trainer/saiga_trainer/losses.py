"""Training losses on per-example summed log-likelihoods of the answer tokens.

SFT: mean token NLL over the loss mask, examples weighted (a weight multiplies every token of its
example). KTO (Ethayarajh et al. 2024), as in ../shared/DESIGN.md:
  r = log pi_theta(y|x) - log pi_ref(y|x)      (summed over the answer tokens)
  z0 = max(0, mean_batch(r)), detached
  desirable:   lambda_D * (1 - sigmoid(beta * (r - z0)))
  undesirable: lambda_U * (1 - sigmoid(beta * (z0 - r)))
and the loss is the weighted mean over the batch.
"""

import torch


def sft_loss(logp_sums, counts, weights):
    """logp_sums, counts, weights: [B]. Token-level mean NLL, each token weighted by its example."""
    denom = (weights * counts).sum()
    if float(denom) <= 0:
        return logp_sums.sum() * 0.0
    return -(weights * logp_sums).sum() / denom


def kto_z0(policy_logps, reference_logps):
    """The detached batch KL estimate z0 >= 0."""
    return (policy_logps - reference_logps).detach().mean().clamp(min=0)


def kto_loss(policy_logps, reference_logps, desirable, weights, beta=0.1, lambda_d=1.0, lambda_u=1.0):
    """policy_logps (with grad), reference_logps (no grad), desirable (bool), weights: [B].
    Returns (loss, rewards r, z0)."""
    r = policy_logps - reference_logps
    z0 = kto_z0(policy_logps, reference_logps)
    des = desirable.to(r.dtype)
    v_d = lambda_d * torch.sigmoid(beta * (r - z0))
    v_u = lambda_u * torch.sigmoid(beta * (z0 - r))
    lam = des * lambda_d + (1 - des) * lambda_u
    v = des * v_d + (1 - des) * v_u
    per = lam - v
    wsum = weights.sum()
    if float(wsum) <= 0:
        return per.sum() * 0.0, r.detach(), z0
    return (weights * per).sum() / wsum, r.detach(), z0
