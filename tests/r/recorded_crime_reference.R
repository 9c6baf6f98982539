# Reference values for safer's recorded-crime change test: R's quasi-Poisson glm on fixed series.
#
# Usage: Rscript tests/r/recorded_crime_reference.R [OUTPUT_DIR]
# (default tests/r/reference/recorded_crime). Writes data/series.csv (the fixed series, drawn here with a
# seed) and cases.csv (case, quantity, index, value). tests/recorded_crime/validation/test_quasi_poisson_vs_r.py
# compares safer's closed-form fit with these values to 1e-6 and, when Rscript is present, re-runs this script.
#
# The model is the one safer fits: glm(count ~ factor(year) + factor(season), family = quasipoisson) on complete
# financial years; the contrast is current year against base year (coefficient difference, its SE from vcov(),
# the t test on df.residual and the interval exp(estimate +/- qt(0.975, df) * SE)). Beside it, the exact Poisson
# test of the two years' totals (poisson.test), as safer shows it.

args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/r/reference/recorded_crime"
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)

set.seed(2008)
make <- function(case, years, seasons, mean, size, amplitude, step) {
  grid <- expand.grid(season = seq_len(seasons), year = years)
  mu <- mean * (1 + amplitude * cos(2 * pi * (grid$season - 1) / seasons)) * ifelse(grid$year >= step, 0.85, 1)
  data.frame(case = case, year = grid$year, season = grid$season,
             count = rnbinom(nrow(grid), mu = mu, size = size))
}
series <- rbind(
  make("monthly", 2005:2010, 12, 80, 20, 0.15, 2009),   # overdispersed, seasonal, a fall from 2009-10
  make("quarterly", 2003:2010, 4, 300, 60, 0.10, 2008), # quarterly counts (the open data's frequency)
  make("sparse", 2006:2009, 12, 2.5, 50, 0.3, 2100),    # few offences a month, zero months
  make("underdispersed", 2007:2009, 12, 40, 1e6, 0, 2100) # close to Poisson: the dispersion may fall below 1
)
write.csv(series, file.path(out, "data", "series.csv"), row.names = FALSE)

contrasts <- list(monthly = c(2010, 2007), quarterly = c(2010, 2007), sparse = c(2009, 2007),
                  underdispersed = c(2009, 2007))
rows <- list()
add <- function(case, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, index = seq_along(value) - 1,
                                           value = as.numeric(value))
}
for (case in names(contrasts)) {
  d <- series[series$case == case, ]
  fit <- glm(count ~ factor(year) + factor(season), family = quasipoisson, data = d,
             control = glm.control(epsilon = 1e-14, maxit = 100))
  s <- summary(fit)
  cur <- paste0("factor(year)", contrasts[[case]][1])
  base <- paste0("factor(year)", contrasts[[case]][2])
  b <- coef(fit)
  v <- vcov(fit)
  first <- paste0("factor(year)", min(d$year))
  coef_of <- function(name) if (name == first) 0 else b[[name]]
  l <- c(cur = 1, base = -1)
  est <- coef_of(cur) - coef_of(base)
  var <- (if (cur == first) 0 else v[cur, cur]) + (if (base == first) 0 else v[base, base]) -
    2 * (if (cur == first || base == first) 0 else v[cur, base])
  se <- sqrt(var)
  df <- fit$df.residual
  t <- est / se
  q <- qt(0.975, df)
  x <- c(sum(d$count[d$year == contrasts[[case]][1]]), sum(d$count[d$year == contrasts[[case]][2]]))
  add(case, "dispersion", s$dispersion)
  add(case, "df", df)
  add(case, "log_ratio", est)
  add(case, "se", se)
  add(case, "t", t)
  add(case, "p_value", 2 * pt(-abs(t), df))
  add(case, "p_higher", pt(-t, df))
  add(case, "ratio_ci_lower", exp(est - q * se))
  add(case, "ratio_ci_upper", exp(est + q * se))
  add(case, "fitted", fitted(fit))
  add(case, "p_value_poisson", poisson.test(x)$p.value)
  add(case, "p_higher_poisson", poisson.test(x, alternative = "greater")$p.value)
}
write.csv(do.call(rbind, rows), file.path(out, "cases.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("stats", packageVersion("stats"))), file.path(out, "GENERATED_BY.txt"))
