"""The codes of the providers' refusals (``core.errors.AppError``): stable, asserted by tests;
the Vietnamese message that goes with each may change."""

from enum import StrEnum


class ProviderErrorCode(StrEnum):
    CONTRACT_INVALID = "contract_invalid"
    CONTRACT_FEE_OUT_OF_RANGE = "contract_fee_out_of_range"
    CONTRACT_VALIDITY_INVALID = "contract_validity_invalid"
    CONTRACTS_OVERLAP = "contracts_overlap"
    CONTRACT_MONTH_CLOSED = "contract_month_closed"
