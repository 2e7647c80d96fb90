"""Packaging for universetbd: everything is read from settings.ini (the nbdev project file)."""
import shlex
from configparser import ConfigParser

import setuptools

config = ConfigParser(delimiters=["="])
config.read("settings.ini", encoding="utf-8")
cfg = config["DEFAULT"]


def _reqs(key):
    return shlex.split(cfg.get(key, ""))


extras = {"dev": _reqs("dev_requirements")}
for key in cfg:
    if key.endswith("_requirements") and key != "dev_requirements":
        extras[key[: -len("_requirements")]] = _reqs(key)

setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    keywords=cfg["keywords"],
    author=cfg["author"],
    author_email=cfg["author_email"],
    license="Apache-2.0",
    url=cfg["git_url"],
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Intended Audience :: Science/Research",
        "License :: OSI Approved :: Apache Software License",
        "Framework :: Jupyter :: JupyterLab",
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
    packages=setuptools.find_packages(include=["universetbd", "universetbd.*"]),
    package_data={"universetbd": ["static/*.js", "static/*.css", "*/*.js", "*/*.css",
                                  "data/*.parquet", "data/*.npy", "data/*.json", "data/*.jsonl", "data/*.md",
                                  "data/*/*.json", "data/*/*.safetensors"]},
    include_package_data=True,
    install_requires=_reqs("requirements"),
    extras_require=extras,
    python_requires=">=" + cfg["min_python"],
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    zip_safe=False,
    entry_points={
        "console_scripts": cfg.get("console_scripts", "").split(),
        "nbdev": [f'{cfg["lib_path"]}={cfg["lib_path"]}._modidx:d'],
    },
)
