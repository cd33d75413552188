/** Where "onboarding done / skipped" is remembered (localStorage); the e2e harness sets it for tests that skip it. */
export const ONBOARDING_KEY = "gitblock.onboarding.v1";
