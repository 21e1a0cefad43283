//! Owner of the BrandPay customer tables: customers, terms agreements, authorization codes, access and refresh tokens, payment methods (cards, accounts) and BrandPay promotions.
