/** Chinese names of the ledger's vocabulary, as they appear in exported files. */
import type { AccountKind, FundingSource, PayeeType, TransactionKind } from '../types.js';

export const KIND_ZH: Readonly<Record<TransactionKind, string>> = {
  APPROPRIATION: '资金下达',
  ALLOCATION: '下拨',
  ALLOCATION_RECEIVED: '到账',
  DISBURSEMENT: '支付',
  RETURN: '退回',
  REVERSAL: '冲正',
};

export const ACCOUNT_KIND_ZH: Readonly<Record<AccountKind, string>> = {
  FUNDING_SOURCE: '资金来源',
  AVAILABLE: '可用资金',
  IN_TRANSIT_DOWN: '在途下拨',
  EXPENDITURE: '支出',
};

export const PAYEE_TYPE_ZH: Readonly<Record<PayeeType, string>> = {
  PERSON: '个人',
  FACILITY: '机构',
  PROJECT: '项目',
  OPERATOR: '运营方',
  CONTRACTOR: '承建方',
};

export const FUNDING_SOURCE_ZH: Readonly<Record<FundingSource, string>> = {
  CENTRAL_TRANSFER: '中央转移支付',
  PROVINCIAL_TRANSFER: '省级转移支付',
  CITY_TRANSFER: '市级转移支付',
  OWN_BUDGET: '本级预算',
  WELFARE_LOTTERY: '福彩公益金',
  CENTRAL_BUDGET_INVESTMENT: '中央预算内投资',
  SPECIAL_BOND: '专项债券',
  PARTY_BUILDING_FUND: '党建经费',
  DONATION: '社会捐赠',
  OTHER: '其他',
};
