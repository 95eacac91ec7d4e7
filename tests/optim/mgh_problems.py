"""Moré, Garbow & Hillstrom, "Testing unconstrained optimization software" (ACM TOMS 7, 1981):
the unconstrained test problems as diffcli programs, with their standard starting points and
the minima the paper lists (some problems have a local minimum that solvers commonly reach;
both are listed). Used by the minimize tests and by benchmarks/optimize.py."""
from __future__ import annotations

BARD_Y = "[0.14,0.18,0.22,0.25,0.29,0.32,0.35,0.39,0.37,0.58,0.73,0.96,1.34,2.10,4.39]"
I10 = "linspace(1, 10, 10)"
T20 = "linspace(1, 20, 20)/5"

# name: (program, {variable: start}, [known minimum values of f])
PROBLEMS: dict[str, tuple[str, dict[str, str], list[float]]] = {
    "rosenbrock": ("100*(b - a^2)^2 + (1 - a)^2", {"a": "-1.2", "b": "1"}, [0.0]),
    "freudenstein_roth": ("(-13 + a + ((5 - b)*b - 2)*b)^2 + (-29 + a + ((b + 1)*b - 14)*b)^2",
                          {"a": "0.5", "b": "-2"}, [0.0, 48.9842536792400]),
    "powell_badly_scaled": ("(1e4*a*b - 1)^2 + (exp(-a) + exp(-b) - 1.0001)^2", {"a": "0", "b": "1"}, [0.0]),
    "brown_badly_scaled": ("(a - 1e6)^2 + (b - 2e-6)^2 + (a*b - 2)^2", {"a": "1", "b": "1"}, [0.0]),
    "beale": ("(1.5 - a*(1 - b))^2 + (2.25 - a*(1 - b^2))^2 + (2.625 - a*(1 - b^3))^2",
              {"a": "1", "b": "1"}, [0.0]),
    "jennrich_sampson": (f"r(a, b, i) = 2 + 2*i - (exp(i*a) + exp(i*b)); sum(r(a, b, {I10})^2)",
                         {"a": "0.3", "b": "0.4"}, [124.362182355]),
    "helical_valley": ("t(a, b) = atan(b/a)/(2*pi) + 0.5*(a < 0); 100*(c - 10*t(a, b))^2 + 100*(sqrt(a^2 + b^2) - 1)^2 + c^2",
                       {"a": "-1", "b": "0", "c": "0"}, [0.0]),
    "bard": (f"r(a, b, c, u) = {BARD_Y} - (a + u/((16 - u)*b + minimum(u, 16 - u)*c)); "
             "sum(r(a, b, c, linspace(1, 15, 15))^2)",
             {"a": "1", "b": "1", "c": "1"}, [8.21487730657e-3, 17.4286]),
    "box_3d": ("r(a, b, c, t) = exp(-t*a) - exp(-t*b) - c*(exp(-t) - exp(-10*t)); sum(r(a, b, c, linspace(1, 10, 10)/10)^2)",
               {"a": "0", "b": "10", "c": "20"}, [0.0]),
    "powell_singular": ("(a + 10*b)^2 + 5*(c - d)^2 + (b - 2*c)^4 + 10*(a - d)^4",
                        {"a": "3", "b": "-1", "c": "0", "d": "1"}, [0.0]),
    "wood": ("100*(b - a^2)^2 + (1 - a)^2 + 90*(d - c^2)^2 + (1 - c)^2 + 10.1*((b - 1)^2 + (d - 1)^2)"
             " + 19.8*(b - 1)*(d - 1)", {"a": "-3", "b": "-1", "c": "-3", "d": "-1"}, [0.0]),
    "brown_dennis": (f"r(a, b, c, d, t) = (a + t*b - exp(t))^2 + (c + d*sin(t) - cos(t))^2; sum(r(a, b, c, d, {T20})^2)",
                     {"a": "25", "b": "5", "c": "-5", "d": "-1"}, [85822.2016263563]),
    "penalty_1": ("1e-5*sum((v - 1)^2) + (sum(v^2) - 0.25)^2", {"v": "[1, 2, 3, 4]"}, [2.24997899e-5]),
    "extended_rosenbrock": ("sum(100*(v[1::2] - v[0::2]^2)^2 + (1 - v[0::2])^2)",
                            {"v": "[-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1]"}, [0.0]),
    "extended_powell": ("f(p, q, r, s) = (p + 10*q)^2 + 5*(r - s)^2 + (q - 2*r)^4 + 10*(p - s)^4; "
                        "sum(f(v[0::4], v[1::4], v[2::4], v[3::4]))",
                        {"v": "[3, -1, 0, 1, 3, -1, 0, 1]"}, [0.0]),
    "trigonometric": ("sum((10 - sum(cos(v)) + linspace(1, 10, 10)*(1 - cos(v)) - sin(v))^2)",
                      {"v": "ones(10)/10"}, [0.0, 2.79506e-5]),
    "variably_dimensioned": ("s(v) = sum(linspace(1, 10, 10)*(v - 1)); sum((v - 1)^2) + s(v)^2 + s(v)^4",
                             {"v": "1 - linspace(1, 10, 10)/10"}, [0.0]),
}
