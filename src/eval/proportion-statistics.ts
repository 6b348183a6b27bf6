// Statistics of rates such as "share of 👍 among votes": the Wilson score interval of one rate and
// the one-sided two-proportion z-test of two, for the online A/B of adapters (/ab). Small counts
// are the normal case there, which is why Wilson (sensible at 0/3 and 3/3) and not the plain
// normal interval.

/**
 * The standard normal quantile: the z with P(Z ≤ z) = p. Acklam's rational approximation with one
 * Newton step on {@link normalCdf} (error about 1e-7: 0.975 gives 1.9599639…).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: expected 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // One Newton step on Φ(x) - p (Halley's form, as Acklam suggests).
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Φ(x), the standard normal distribution function (erfc by a Chebyshev fit, error below 1.2e-7). */
export function normalCdf(x: number): number {
  return 1 - 0.5 * erfc(x / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * The Wilson score interval of `successes` out of `total` at two-sided `confidence` (default
 * 0.95); null when there is nothing to count.
 */
export function wilsonInterval(successes: number, total: number, confidence = 0.95): [number, number] | null {
  if (total <= 0) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / total;
  const z2n = (z * z) / total;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / total + z2n / (4 * total));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/** What {@link twoProportionZTest} found. */
export interface ZTestResult {
  /** The pooled z statistic of rate A minus rate B (0 when both rates are 0 or 1). */
  z: number;
  /** One-sided p-value of "A's rate is higher than B's". */
  pValue: number;
}

/**
 * One-sided two-proportion z-test (pooled variance) of "A's rate is higher than B's": A has
 * `successesA` of `totalA`, B `successesB` of `totalB`. A beats B at confidence c when
 * `pValue < 1 - c`, that is `z > normalQuantile(c)`.
 */
export function twoProportionZTest(
  successesA: number,
  totalA: number,
  successesB: number,
  totalB: number,
): ZTestResult {
  if (totalA <= 0 || totalB <= 0) return { z: 0, pValue: 1 };
  const pooled = (successesA + successesB) / (totalA + totalB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / totalA + 1 / totalB));
  if (se === 0) return { z: 0, pValue: 1 };
  const z = (successesA / totalA - successesB / totalB) / se;
  return { z, pValue: 1 - normalCdf(z) };
}
