/** Template databases prepared by test/global-setup.ts. */
export const TEMPLATE_DATABASE = 'sunshine_test_template';
export const EMPTY_TEMPLATE_DATABASE = 'sunshine_test_empty';
