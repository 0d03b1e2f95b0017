"""The markets app's tables, one module per kind of market."""

from mercator.markets.models.auctions import Auction, AuctionParticipant, Bid
from mercator.markets.models.base import AMOUNT, PRICE, QTY, DepositStatus
from mercator.markets.models.forwards import (
    ForwardContract,
    ForwardDemand,
    ForwardMonth,
    ForwardOffer,
)
from mercator.markets.models.groupbuys import Commitment, GroupBuy, GroupBuyTier
from mercator.markets.models.proposals import Proposal

__all__ = [
    "AMOUNT",
    "PRICE",
    "QTY",
    "Auction",
    "AuctionParticipant",
    "Bid",
    "Commitment",
    "DepositStatus",
    "ForwardContract",
    "ForwardDemand",
    "ForwardMonth",
    "ForwardOffer",
    "GroupBuy",
    "GroupBuyTier",
    "Proposal",
]
